"""Written messages between an inmate and an approved contact, every one through screening:
per-prison rules hold what a security officer must read (words on the prison's list, every
attachment, contacts on watch), pass the rest where the prison allows; legal correspondence is
privileged and never shown to screening, only logged."""
