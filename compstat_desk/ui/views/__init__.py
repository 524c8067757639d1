"""The analyst's views, one module per tab; each reads through the core and draws what it is given."""
