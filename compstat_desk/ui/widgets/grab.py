"""Saving what a widget shows as a PNG, at the size asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt


def save_grab(widget: Any, path: Path, size: tuple[int, int], what: str = "the screenshot") -> None:
    """Grab a widget to a PNG of exactly `size` (high-DPI screens grab at device pixels)."""
    pixmap = widget.grab()
    wanted = QSize(*size)
    if pixmap.size() != wanted:
        pixmap = pixmap.scaled(wanted, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    if not pixmap.save(str(path), "PNG"):
        raise OSError(f"Could not write {what} to {path}.")
