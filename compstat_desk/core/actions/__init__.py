"""Actions agreed at meetings: the tracker (status, carry-forward, escalation), their effect, and the field exchange."""
