import time, collections
import pytest
from tests.api.test_schema_fuzz import *  # noqa
from tests.api import test_schema_fuzz as m

STATS = collections.Counter(); TIMES = collections.Counter()

@m.fuzzed.exclude(path=m.TOKEN_PATH).include(path="/api/v1/districts/").parametrize()
@pytest.mark.usefixtures("auth_headers")
@m.FUZZ_SETTINGS
def test_timing(case, auth_headers):
    t = time.monotonic()
    r = case.call(headers=auth_headers, environ_overrides=m.ENVIRON)
    dt = time.monotonic() - t
    phase = case.meta.phase.name.value if case.meta else "?"
    key = (phase, r.status_code, "ps" + str((case.query or {}).get("page_size")) if case.query and "page_size" in case.query else "")
    STATS[phase, r.status_code] += 1; TIMES[phase, r.status_code] += dt
    if dt > 0.3: print("SLOW", round(dt,2), case.method, case.query)

def test_report():
    for k in STATS: print(k, STATS[k], round(TIMES[k], 2))
