"""Writes of the credit station: the policy catalogue (`station.services.catalogue`)."""

from station.services.catalogue import MEASURE_FIELDS, measure_problems, measure_save

__all__ = ["MEASURE_FIELDS", "measure_problems", "measure_save"]
