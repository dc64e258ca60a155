"""Intake reads every file in the isolated reading worker (:mod:`formkit.read.worker`), below ``read/`` so
that ``formkit read`` uses the same one; kept here for code that imports it from intake."""

from formkit.read.worker import OUTCOMES, TRANSIENT, Outcome, Worker, read_isolated

__all__ = ["OUTCOMES", "TRANSIENT", "Outcome", "Worker", "read_isolated"]
