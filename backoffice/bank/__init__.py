"""The prison's bank account as the bank sees it: statements in (ISO 20022 camt.053 and
camt.054), payments out (ISO 20022 pain.001), and the statement's balances against the ledger.

Money at the bank is the ledger's account `prison:<id>:bank`: every euro that arrives moves
bank -> family_deposits (then on to the inmate, split by the income rules), every euro paid out
moves into it, so the bank's own balance is always minus that account's posted balance."""
