"""Coaching practice simulator: coach a simulated product manager, then get scored feedback."""

__version__ = "0.1.0"
