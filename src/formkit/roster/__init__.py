"""The roster of units, counties and (unit, county) pairs."""

from formkit.roster.load import load_roster
from formkit.roster.model import County, Pair, Roster, Unit

__all__ = ["County", "Pair", "Roster", "Unit", "load_roster"]
