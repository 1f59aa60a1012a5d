"""ISO 20022 bank-to-customer statements read into plain data: camt.053 (the account statement,
with its opening and closing balances) and camt.054 (debit and credit notifications), any
version (.001.02 to .001.13 keep the same element names for what is read here).

    parse_camt(data: bytes) -> list[CamtStatement]     InvalidInput for a file refused whole

The XML is read by lxml with a parser that resolves no entities, loads no DTD and reaches no
network; a document that declares a DTD at all (the billion laughs and every external-entity
trick start there) is refused, as is one larger than MAX_BYTES. A bad entry (an amount that is
not money, no bank reference) is refused alone with its reason; the good ones stay good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from ..accounts.csvimport import normalise_account
from ..errors import InvalidInput
from ..money.amounts import AmountError, parse_cents

# A month's statement of a busy prison account is a few MB; a larger file is not a statement.
MAX_BYTES = 64 * 1024 * 1024
KINDS = {"BkToCstmrStmt": ("camt.053", "Stmt"), "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn")}
CAMT_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.05"
OPENING_CODES = ("OPBD", "PRCD")
CLOSING_CODES = ("CLBD",)
_DTD = "the bank file declares a DTD (entities): banks never send one, so it is refused unread"
# How a DTD could be spelt in the encodings XML allows without a declaration's help.
_ENCODINGS = ("ascii", "utf-16-le", "utf-16-be")


@dataclass(frozen=True)
class CamtEntry:
    reference: str  # the bank's own reference of the entry: the key against booking twice
    booked_on: date | None
    amount_cents: int
    currency: str
    direction: str  # credit | debit
    reversal: bool
    booked: bool  # status BOOK (a pending entry is not booked yet)
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    reference_number: str = ""  # the creditor's structured reference (Estonian viitenumber)
    text: str = ""  # the unstructured remittance information, as the payer wrote it
    error: str = ""


@dataclass(frozen=True)
class CamtStatement:
    kind: str  # camt.053 | camt.054
    statement_ref: str
    account_iban: str
    currency: str
    from_on: date | None
    to_on: date | None
    opening_cents: int | None
    closing_cents: int | None
    entries: list[CamtEntry] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
        collect_ids=False,
    )


def parse_camt(data: bytes) -> list[CamtStatement]:
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            "the bank file is larger than %(most)s MB; split it", most=MAX_BYTES // 2**20
        )
    if not data.strip():
        raise InvalidInput("the bank file is empty")
    if any(mark.encode(e) in data for mark in ("<!DOCTYPE", "<!ENTITY") for e in _ENCODINGS):
        raise InvalidInput(_DTD)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise InvalidInput(
            "the bank file is not well-formed XML: %(error)s", error=str(error)
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise InvalidInput(_DTD)
    name = etree.QName(root)
    if name.localname != "Document" or not (name.namespace or "").startswith(CAMT_NAMESPACE):
        raise InvalidInput("the bank file is not an ISO 20022 camt.053 or camt.054 document")
    # Namespace checked, it is dropped: every version names its elements alike, and plain
    # paths are found several times faster than namespace wildcards.
    root = _without_namespaces(data, root)
    message = next(iter(root), None)
    held = str(message.tag) if message is not None else ""
    if message is None or held not in KINDS:
        if not held:
            raise InvalidInput("the bank file holds nothing, not a statement")
        raise InvalidInput("the bank file holds %(held)s, not a statement", held=held)
    kind, part = KINDS[held]
    statements = [_statement(kind, s) for s in message.iterfind(part)]
    if not statements:
        raise InvalidInput("the bank file holds no statement")
    return statements


def _without_namespaces(data: bytes, root: etree._Element) -> etree._Element:
    if root.prefix is None:
        # The usual case: one default namespace on the root. Reading the file again without it
        # is much faster than renaming every element.
        namespace = re.escape(str(etree.QName(root).namespace).encode())
        plain = etree.fromstring(re.sub(rb'\sxmlns="' + namespace + rb'"', b"", data, count=1),
                                 _parser())  # fmt: skip
        if not plain.xpath("boolean(//*[namespace-uri() != ''])"):
            return plain
    for element in root.iter(tag=etree.Element):
        tag = element.tag
        if tag[0] == "{":
            element.tag = tag[tag.index("}") + 1 :]
    return root


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    return " ".join((element.findtext(path) or "").split())


def _day(element: etree._Element | None, path: str) -> date | None:
    raw = _text(element, path)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _balance(statement: etree._Element, codes: tuple[str, ...]) -> int | None:
    for balance in statement.iterfind("Bal"):
        if _text(balance, "Tp/CdOrPrtry/Cd") in codes:
            try:
                cents = parse_cents(_text(balance, "Amt"), zero=True)
            except AmountError as error:
                raise InvalidInput("a balance of the statement: %(reason)s", reason=error) from None
            return -cents if _text(balance, "CdtDbtInd") == "DBIT" else cents
    return None


def _statement(kind: str, statement: etree._Element) -> CamtStatement:
    account = statement.find("Acct")
    currency = _text(account, "Ccy")
    opening = _balance(statement, OPENING_CODES)
    if currency == "":
        currency = next(
            (b.find("Amt").get("Ccy", "") for b in statement.iterfind("Bal")
             if b.find("Amt") is not None),
            "",
        )  # fmt: skip
    entries = [e for n in statement.iterfind("Ntry") for e in _entries(n)]
    return CamtStatement(
        kind=kind,
        statement_ref=_text(statement, "Id")[:100],
        account_iban=normalise_account(_text(account, "Id/IBAN"))[:64],
        currency=currency,
        from_on=_day(statement, "FrToDt/FrDtTm"),
        to_on=_day(statement, "FrToDt/ToDtTm"),
        opening_cents=opening,
        closing_cents=_balance(statement, CLOSING_CODES),
        entries=entries,
    )


# The parts of an entry and of its transaction details that are read (the rest, such as the
# bank's transaction codes and the related agents, is never walked).
ENTRY_PARTS = frozenset({"BookgDt", "CdtDbtInd", "RvslInd", "Sts", "AcctSvcrRef", "NtryRef"})
DETAIL_PARTS = frozenset({"Refs", "RltdPties", "RmtInf"})


def _flat(element: etree._Element | None, parts: frozenset[str]) -> dict[str, list[str]]:
    """Every text below `element`'s children named in `parts`, by its path
    ("RltdPties/Dbtr/Nm"), whitespace collapsed: one walk instead of a search per field (a
    statement has thousands of entries)."""
    found: dict[str, list[str]] = {}

    def walk(node: etree._Element, prefix: str) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if not prefix and tag not in parts:
                continue
            path = prefix + tag
            text = child.text
            if text and not text.isspace():
                found.setdefault(path, []).append(" ".join(text.split()))
            if len(child):
                walk(child, path + "/")

    if element is not None:
        walk(element, "")
    return found


def _first(flat: dict[str, list[str]], *paths: str) -> str:
    for path in paths:
        if path in flat:
            return flat[path][0]
    return ""


def _date_of(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _amount(element: etree._Element | None, path: str) -> tuple[int, str, str]:
    """(cents, currency, error) of the amount at `path`."""
    found = element.find(path) if element is not None else None
    if found is None:
        return 0, "", "no amount"
    try:
        return parse_cents(" ".join((found.text or "").split())), found.get("Ccy", ""), ""
    except AmountError as error:
        return 0, found.get("Ccy", ""), error.message


def _entries(entry: etree._Element) -> list[CamtEntry]:
    flat = _flat(entry, ENTRY_PARTS)
    cents, currency, error = _amount(entry, "Amt")
    # Up to version 7 the status is <Sts>BOOK</Sts>; from version 8 on <Sts><Cd>BOOK</Cd></Sts>.
    common = {
        "booked_on": _date_of(_first(flat, "BookgDt/Dt", "BookgDt/DtTm")),
        "direction": "credit" if _first(flat, "CdtDbtInd") == "CRDT" else "debit",
        "reversal": _first(flat, "RvslInd").lower() in ("true", "1"),
        "booked": _first(flat, "Sts", "Sts/Cd") == "BOOK",
    }
    key = _first(flat, "AcctSvcrRef", "NtryRef")
    transactions = list(entry.iterfind("NtryDtls/TxDtls"))
    if len(transactions) <= 1:
        details = transactions[0] if transactions else None
        return [_entry(key, cents, currency, error, _flat(details, DETAIL_PARTS), common)]
    # A batch booked as one entry: each transaction is money of its own sender.
    found = []
    for n, details in enumerate(transactions, start=1):
        part_cents, part_currency, part_error = _amount(details, "Amt")
        if part_error:
            part_cents, part_currency, part_error = _amount(details, "AmtDtls/TxAmt/Amt")
        part = _flat(details, DETAIL_PARTS)
        part_key = _first(part, "Refs/AcctSvcrRef") or (f"{key}/{n}" if key else "")
        found.append(
            _entry(part_key, part_cents, part_currency or currency, part_error, part, common)
        )
    return found


def _entry(
    key: str,
    cents: int,
    currency: str,
    error: str,
    details: dict[str, list[str]],
    common: dict[str, object],
) -> CamtEntry:
    errors = [error] if error else []
    if not key:
        errors.append("no bank reference (needed so the entry is never booked twice)")
    elif len(key) > 100:
        errors.append("the bank reference is longer than 100 characters")
    if common["booked_on"] is None:
        errors.append("no booking date")
    role = "Dbtr" if common["direction"] == "credit" else "Cdtr"
    end_to_end = _first(details, "Refs/EndToEndId")
    # Up to version 7 the name is Dbtr/Nm; from version 8 on it is Dbtr/Pty/Nm.
    name = _first(details, f"RltdPties/{role}/Nm", f"RltdPties/{role}/Pty/Nm")
    account = _first(details, f"RltdPties/{role}Acct/Id/IBAN")
    return CamtEntry(
        reference=key[:100],
        amount_cents=cents,
        currency=currency,
        end_to_end_id="" if end_to_end == "NOTPROVIDED" else end_to_end[:64],
        counterparty_name=name[:200],
        counterparty_account=normalise_account(account)[:64],
        reference_number=_first(details, "RmtInf/Strd/CdtrRefInf/Ref")[:35],
        text=" ".join(details.get("RmtInf/Ustrd", []))[:500],
        error="; ".join(errors),
        **common,  # type: ignore[arg-type]
    )
