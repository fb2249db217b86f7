"""Reads of the credit station: the station of an enterprise (`station.selectors.station`) and
the policy catalogue matched against its facts (`station.selectors.policies`)."""

from station.selectors.policies import (
    ConditionResult,
    EnterpriseFacts,
    Match,
    enterprise_facts,
    measures_in_force,
    policy_matches,
)
from station.selectors.station import Station, station_for

__all__ = [
    "ConditionResult",
    "EnterpriseFacts",
    "Match",
    "Station",
    "enterprise_facts",
    "measures_in_force",
    "policy_matches",
    "station_for",
]
