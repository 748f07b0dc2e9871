"""Rounds a facilitator runs for a cohort: the service, the dashboard's data, the facilitator
gate."""
