"""Dialogs: importing a file, building a document."""
