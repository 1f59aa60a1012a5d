"""The tables of each feature, as the initial revision creates them: one module per feature,
each with `upgrade()` and `downgrade()`, called in the order their references need."""
