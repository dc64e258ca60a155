"""The submission store: originals by sha256, records, versions, issued forms, audit log, migrations."""

from formkit.store.store import READABLE, Store, Stored, default_url

__all__ = ["READABLE", "Store", "Stored", "default_url"]
