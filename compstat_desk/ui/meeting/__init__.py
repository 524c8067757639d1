"""The meeting: its editor, the slides' panels, the presenter view, the chair's console, the wall."""
