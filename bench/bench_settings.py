"""Settings for bench/public_profile_bench.py (never used by the application).

The local settings (run with DJANGO_DEBUG=0, DATABASE_URL and DJANGO_CONN_MAX_AGE=60, as the
benchmark does), plus:
- ROOT_URLCONF adds the trivial view that measures the ceiling of the stack (bench/bench_urls.py);
- BENCH_PUBLIC_RATE overrides the public lookup's throttle rate ("off" switches it off). The
  settings have no environment variable for that rate; CP_PUBLIC_RATE in base.py would make
  this module unnecessary for the rate.
"""

from credit_portal.settings.local import *  # noqa: F403
from credit_portal.settings.local import REST_FRAMEWORK, env

ROOT_URLCONF = "bench.bench_urls"

_rate = env("BENCH_PUBLIC_RATE", default="")
if _rate:
    REST_FRAMEWORK = {
        **REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public": None if _rate == "off" else _rate,
        },
    }
