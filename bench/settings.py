"""Settings for the benchmarks: the app's own settings plus the floor views (`bench.urls`)."""

from ato.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
