"""Intake: every file that arrives, read safely, kept for good, and tracked."""
