"""Issuing personalised Word forms: layout from definitions, fast rendering, batches with a manifest."""

from formkit.issue.batch import issue_forms
from formkit.issue.layout import build_template

__all__ = ["build_template", "issue_forms"]
