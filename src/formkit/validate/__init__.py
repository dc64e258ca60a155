"""Validation: the schema derived from a form definition (cerberus) and the regulation's cross-field rules."""
