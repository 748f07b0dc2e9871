"""Benchmarks that print figures: speed, capacity, hostile input for the text checks."""
