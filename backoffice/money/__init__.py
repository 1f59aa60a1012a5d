"""Inmates' money on top of the ledger: their accounts, money received (with the income split),
the wage run and debts."""
