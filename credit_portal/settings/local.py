"""Local development and the demo (`python3 dev.py serve`): the embedded default (SQLite, no
Redis needed).

DEBUG is off unless DJANGO_DEBUG=1: a bad credit code or an unknown page shows the portal's own
404 page, as in production, never Django's technical page (which shows a visitor the URL
patterns). Static files are served by whitenoise from the app and project directories (no
collectstatic needed), looked up again on each request so that an edited stylesheet shows.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
