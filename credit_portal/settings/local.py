"""Local development: the embedded default (SQLite, no Redis needed)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
