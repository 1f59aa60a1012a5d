"""Bank files as Estonian banks send them, shaped after the ISO 20022 message definitions'
examples: camt.053.001.02 account statements (and camt.054 notifications) with balances and
entries, written here from plain arguments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

PRISON_IBAN = "EE382200221020145685"
CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"


@dataclass(frozen=True)
class Entry:
    reference: str  # the bank's AcctSvcrRef
    amount: str  # as the bank writes it, e.g. "25.00"
    booked_on: date
    credit: bool = True
    currency: str = "EUR"
    reversal: bool = False
    status: str = "BOOK"
    name: str = "Mari Maasikas"
    account: str = "EE471000001020145685"
    reference_number: str = ""  # the structured creditor reference (viitenumber)
    text: str = ""  # the free text (Ustrd)
    end_to_end: str = "NOTPROVIDED"


def cents_of(amount: str) -> int:
    whole, _, decimals = amount.partition(".")
    return int(whole) * 100 + int(decimals.ljust(2, "0")[:2])


def _euros(cents: int) -> tuple[str, str]:
    return f"{abs(cents) // 100}.{abs(cents) % 100:02d}", "DBIT" if cents < 0 else "CRDT"


def _entry(e: Entry) -> str:
    party, role = ("Dbtr", "DbtrAcct") if e.credit else ("Cdtr", "CdtrAcct")
    structured = (
        f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
        f"<Ref>{escape(e.reference_number)}</Ref></CdtrRefInf></Strd>"
        if e.reference_number
        else ""
    )
    text = f"<Ustrd>{escape(e.text)}</Ustrd>" if e.text else ""
    return f"""
      <Ntry>
        <NtryRef>{escape(e.reference)}</NtryRef>
        <Amt Ccy="{e.currency}">{e.amount}</Amt>
        <CdtDbtInd>{"CRDT" if e.credit else "DBIT"}</CdtDbtInd>
        {"<RvslInd>true</RvslInd>" if e.reversal else ""}
        <Sts>{e.status}</Sts>
        <BookgDt><Dt>{e.booked_on.isoformat()}</Dt></BookgDt>
        <ValDt><Dt>{e.booked_on.isoformat()}</Dt></ValDt>
        <AcctSvcrRef>{escape(e.reference)}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{"RCDT" if e.credit else "ICDT"}</Cd>
          <SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{escape(e.end_to_end)}</EndToEndId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="{e.currency}">{e.amount}</Amt></TxAmt></AmtDtls>
          <RltdPties><{party}><Nm>{escape(e.name)}</Nm></{party}>
            <{role}><Id><IBAN>{e.account}</IBAN></Id></{role}></RltdPties>
          <RmtInf>{text}{structured}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def camt053(
    entries: list[Entry],
    *,
    statement_id: str = "STMT-2026-11-01",
    opening: int = 0,
    closing: int | None = None,
    from_on: date | None = None,
    to_on: date | None = None,
    iban: str = PRISON_IBAN,
) -> bytes:
    """A camt.053 statement; the closing balance is the opening plus the booked EUR entries
    unless given."""
    if closing is None:
        closing = opening + sum(
            (1 if e.credit else -1) * cents_of(e.amount)
            for e in entries
            if e.status == "BOOK" and e.currency == "EUR"
        )
    days = [e.booked_on for e in entries] or [date(2026, 11, 1)]
    start, end = from_on or min(days), to_on or max(days)
    balances = "".join(
        f"""
      <Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">{_euros(cents)[0]}</Amt><CdtDbtInd>{_euros(cents)[1]}</CdtDbtInd>
        <Dt><Dt>{on.isoformat()}</Dt></Dt></Bal>"""
        for code, cents, on in (("OPBD", opening, start), ("CLBD", closing, end))
    )
    body = "".join(_entry(e) for e in entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{CAMT053}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>{statement_id}-MSG</MsgId><CreDtTm>{end.isoformat()}T23:59:59</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <ElctrncSeqNb>1</ElctrncSeqNb>
      <CreDtTm>{end.isoformat()}T23:59:59</CreDtTm>
      <FrToDt><FrDtTm>{start.isoformat()}T00:00:00</FrDtTm><ToDtTm>{end.isoformat()}T23:59:59</ToDtTm></FrToDt>
      <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy>
        <Ownr><Nm>Tartu Vangla</Nm></Ownr>
        <Svcr><FinInstnId><BIC>HABAEE2X</BIC></FinInstnId></Svcr></Acct>{balances}{body}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


def camt054(entries: list[Entry], *, notification_id: str = "NTF-1") -> bytes:
    body = "".join(_entry(e) for e in entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{CAMT054}">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>{notification_id}-MSG</MsgId><CreDtTm>2026-11-02T10:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>{notification_id}</Id>
      <CreDtTm>2026-11-02T10:00:00</CreDtTm>
      <Acct><Id><IBAN>{PRISON_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>{body}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
""".encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt><Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt>
</Document>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt><Stmt><Id>&secret;</Id></Stmt></BkToCstmrStmt>
</Document>
"""


SWEDBANK_HEADER = (
    '"Kliendi konto";"Reatüüp";"Kuupäev";"Saaja/Maksja";"Selgitus";"Summa";"Valuuta";'
    '"Deebet/Kreedit";"Arhiveerimistunnus";"Tehingu tüüp";"Viitenumber";"Dokumendi number";'
)


def _comma(cents: int) -> str:
    return f"{abs(cents) // 100},{abs(cents) % 100:02d}"


def estonian_csv(
    entries: list[Entry],
    *,
    opening: int = 0,
    iban: str = PRISON_IBAN,
    encoding: str = "utf-8",
) -> bytes:
    """An account statement as Swedbank exports it for spreadsheets: semicolons, decimal commas,
    DD.MM.YYYY dates, row types 10 (opening balance), 20 (entries), 82 (turnover) and 86
    (closing balance), every field quoted and a semicolon ending each line. `Entry.reference`
    is the archive reference (Arhiveerimistunnus), as in the camt file of the same days."""
    days = [e.booked_on for e in entries] or [date(2026, 11, 1)]
    start, end = min(days), max(days)
    credits = sum(cents_of(e.amount) for e in entries if e.credit)
    debits = sum(cents_of(e.amount) for e in entries if not e.credit)
    closing = opening + credits - debits

    def row(*values: str) -> str:
        return ";".join(f'"{v}"' for v in values) + ";"

    lines = [SWEDBANK_HEADER]
    lines.append(row(iban, "10", f"{start:%d.%m.%Y}", "", "Algsaldo", _comma(opening), "EUR",
                     "K" if opening >= 0 else "D", "", "AS", "", ""))  # fmt: skip
    for n, e in enumerate(entries, start=1):
        lines.append(row(iban, "20", f"{e.booked_on:%d.%m.%Y}", e.name, e.text,
                         e.amount.replace(".", ","), e.currency, "K" if e.credit else "D",
                         e.reference, "MK", e.reference_number, str(n)))  # fmt: skip
    lines.append(row(iban, "82", f"{end:%d.%m.%Y}", "", "Käive", _comma(credits), "EUR", "K",
                     "", "K2", "", ""))  # fmt: skip
    lines.append(row(iban, "86", f"{end:%d.%m.%Y}", "", "lõppsaldo", _comma(closing), "EUR",
                     "K" if closing >= 0 else "D", "", "LS", "", ""))  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
