"""The core's messages in the window's words: its sentences are written for the command line (they name options
such as --crs and suggest commands to paste), and the window's own messages never send a user there."""

from __future__ import annotations

import re

# The command line's options, as the dialog names them (the core's messages are written for the command line).
_WORDS = [
    (r"undo this import \(compstat-desk [^)]*\)", "undo this import (Undo this import, in the import dialog)"),
    (r"Give --date-format dd/mm/yyyy \(UK\) or mm/dd/yyyy \(US\)",
     "Choose day/month/year (UK) or month/day/year (US) in the Date order box"),
    (r"settle it with --date-format dd/mm/yyyy or mm/dd/yyyy", "settle it in the Date order box"),
    (r"Give the format with --date-format, e\.g\. --date-format %d\.%m\.%Y", "Choose the form in the Date order box"),
    (r"Give the form with --date-format [^.]*\.", "Choose the form in the Date order box."),
    (r"--crs\b", "the Coordinate system box"),
    (r"--date-format( (dd/mm/yyyy|mm/dd/yyyy|yyyy-mm-dd)( \([A-Z]+\))?)?", "the Date order box"),
    (r"--map FILE_COLUMN=CANONICAL \(e\.g\. --map '[^']*'\)", "its 'Read as' choice"),
    (r"--map\b", "'Read as'"),
    (r"--set category=NAME", "the Every row's category box"),
    (r"--set\b", "the Every row's … boxes"),
    (r"--key\b", "the Unit code property"),
    (r"--add-missing\b", "“Add units and categories the workspace does not know”"),
    (r"--level\b", "the Level box"),
]


def window_words(message: str) -> str:
    """A message of the core in the dialog's words: each command-line option named as the dialog's control, and
    no command to run (the dialog itself does what it would do)."""
    for pattern, words in _WORDS:
        message = re.sub(pattern, words, message)
    message = re.sub(r"\s*\(?`?compstat-desk [^)`]*`?\)?", "", message)
    message = re.sub(r"with the (the )", r"with \1", message)
    return message.replace("Give the Date order box", "Choose it in the Date order box").replace(
        "give their system with the Coordinate system box", "choose their system in the Coordinate system box")
