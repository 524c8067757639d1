"""Delivery-unit mode: priorities, their delivery plans, options appraisals and delivery assessments at stocktakes."""
