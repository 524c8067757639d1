"""PDF documents (agenda pack, briefing, minutes) built with reportlab from core results; no widgets needed."""
