"""Meetings: the agenda and its slides, the challenger's briefing, and the preflight check of what goes out."""
