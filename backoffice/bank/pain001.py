"""ISO 20022 pain.001.001.09 (customer credit transfer initiation) written for the bank: the
approved payments, one SEPA batch from the prison's account, each with its end-to-end id.

    Debtor(name, iban, bic)
    write_pain001(message_id, debtor, payments, *, created_at, execute_on) -> bytes
    validate_pain001(data) -> list[str]        what the vendored ISO 20022 XSD finds wrong

The XSD (schemas/pain.001.001.09.xsd) comes with the MIT-licensed sepaxml package; see
schemas/LICENSE-sepaxml.txt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from lxml import etree

from ..money.amounts import euros

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
XSD = Path(__file__).resolve().parent / "schemas" / "pain.001.001.09.xsd"


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Payment:
    end_to_end_id: str
    amount_cents: int
    payee_name: str
    payee_iban: str
    remittance: str


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _party(parent: etree._Element, tag: str, name: str) -> None:
    _sub(_sub(parent, tag), "Nm", name[:140])


def _account(parent: etree._Element, tag: str, iban: str) -> None:
    _sub(_sub(_sub(parent, tag), "Id"), "IBAN", iban)


def write_pain001(
    message_id: str,
    debtor: Debtor,
    payments: Sequence[Payment],
    *,
    created_at: datetime,
    execute_on: date,
) -> bytes:
    if not payments:
        raise ValueError("a payment file needs at least one payment")
    total = euros(sum(p.amount_cents for p in payments))
    count = str(len(payments))
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created_at.replace(microsecond=0, tzinfo=None).isoformat())
    _sub(header, "NbOfTxs", count)
    _sub(header, "CtrlSum", total)
    _party(header, "InitgPty", debtor.name)
    batch = _sub(initiation, "PmtInf")
    _sub(batch, "PmtInfId", message_id)
    _sub(batch, "PmtMtd", "TRF")
    _sub(batch, "NbOfTxs", count)
    _sub(batch, "CtrlSum", total)
    _sub(_sub(_sub(batch, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    _sub(_sub(batch, "ReqdExctnDt"), "Dt", execute_on.isoformat())
    _party(batch, "Dbtr", debtor.name)
    _account(batch, "DbtrAcct", debtor.iban)
    _sub(_sub(_sub(batch, "DbtrAgt"), "FinInstnId"), "BICFI", debtor.bic)
    _sub(batch, "ChrgBr", "SLEV")
    for payment in payments:
        transaction = _sub(batch, "CdtTrfTxInf")
        _sub(_sub(transaction, "PmtId"), "EndToEndId", payment.end_to_end_id)
        _sub(_sub(transaction, "Amt"), "InstdAmt", euros(payment.amount_cents), Ccy="EUR")
        _party(transaction, "Cdtr", payment.payee_name)
        _account(transaction, "CdtrAcct", payment.payee_iban)
        _sub(_sub(transaction, "RmtInf"), "Ustrd", payment.remittance[:140])
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@cache
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD), parser))


def validate_pain001(data: bytes) -> list[str]:
    schema = _schema()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    if schema.validate(etree.fromstring(data, parser)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
