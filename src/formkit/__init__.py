"""formkit: forms, intake, dossier and notices for the yearly evaluation of central units' assistance."""

__version__ = "0.1.0"
