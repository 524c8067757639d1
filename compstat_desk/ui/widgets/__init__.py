"""Widgets the views share: charts drawn from the core's figures, tables, the marking."""
