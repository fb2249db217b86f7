"""Template filters of the public credit lookup."""

from __future__ import annotations

from django import template

from credit_portal.jinja2 import iso_date

register = template.Library()

# The same filter in Django templates as in the Jinja2 page bodies.
register.filter("iso_date", iso_date)
