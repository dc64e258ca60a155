"""The submission store: originals by sha256, records, versions, issued forms, audit log, migrations."""

from formkit.store.records import READABLE, IssuedForm, Recipient, Record, Submission
from formkit.store.store import Store, Stored, default_url

__all__ = ["READABLE", "IssuedForm", "Recipient", "Record", "Store", "Stored", "Submission", "default_url"]
