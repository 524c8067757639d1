"""The workspace file: opening it safely, its schema and migrations, the catalog of units and categories, counts."""
