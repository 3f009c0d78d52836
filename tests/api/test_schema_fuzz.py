"""Schema-driven fuzzing of the REST API v1 (schemathesis 4 + Hypothesis).

The OpenAPI schema is the one the app serves at `GET /api/schema/` (drf-spectacular), requested
through the WSGI app (`ato.wsgi.application`, in-process) inside each test, once the test
database exists: generating it at import time would run without database access, and the
district view's `get_queryset` queries the database while the schema is generated (without it,
the `q`, `department`, `province` and `category` filters silently drop out of the schema).

Every operation of that schema is called with generated inputs, valid and invalid ones
(schemathesis' coverage phase, then Hypothesis), as two personas: the ATM head of Cascas
(`staff_a`, district 131101) and the ministry reviewer (`reviewer`), each authenticated with a
DRF token (`Authorization: Token <key>`). A few JASS, water systems, board terms, an office
budget and PI categories are created first, so that lists, counts and indicators are not empty;
the territory (1,891 districts) comes from a data migration. Each persona runs as one pytest
test per operation-set, and each operation as a subtest (`[GET /api/v1/districts/]`, ...).

Checks, passed explicitly (nothing depends on a `schemathesis.toml`):

- `not_a_server_error`: no 5xx, ever.
- `response_schema_conformance`: a documented status answers a body that matches its schema.
- `content_type_conformance`: a documented status answers the documented media type.
- `response_headers_conformance`: documented response headers are present and valid.
- `ignored_auth`: a 2xx answered with the token answers 401 without it and with a bogus one
  (anonymous -> 401 is part of the contract, shared/API.md).
- `documented_status` (defined here), instead of the built-in `status_code_conformance`: the
  status is documented, or is a DRF error status that drf-spectacular leaves out of the schema
  unless told (400, 401, 403, 404, 405, 429) answered as a JSON error object (`{"detail": ...}`
  or `{"field": [...]}`), as the contract says; a method the path does not have answers 405
  (200 for OPTIONS, DRF's metadata). `status_code_conformance` would fail on the first 404 for
  an unknown ubigeo, as the schema documents only each operation's success status.

Not enabled: `positive_data_acceptance` (a schema-valid ubigeo that is not a district is rightly
404), `negative_data_rejection` (DRF ignores unknown `ordering` fields and answers 404 for a bad
`page`, both by design) and the stateful checks (`use_after_free`,
`ensure_resource_availability`), which need links between operations the schema does not have.

The token endpoint is not fuzzed with the personas' tokens (it ignores them: `auth=[]`), but in
its own test, anonymously. It is throttled (30/min per client IP) and django-axes locks a
username after 5 failures, so 200, 400, 403 (axes, through DRF) and 429 (throttle, or axes'
HTML lockout page) are all accepted there. The throttle counter lives in the cache, outside
the test transaction: it is cleared before every example (so that each one reaches the view)
and after the test (so that other tests asking for a token are not throttled).

Deterministic and bounded: derandomized Hypothesis, no example database, at most
`MAX_EXAMPLES` generated cases per operation and persona on top of the coverage phase.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    is_unexpected_http_status_case,
    response_headers_conformance,
    response_schema_conformance,
)

from ato.api import TokenThrottle
from ato.wsgi import application
from jass_registry.models import JassStatus
from tests.conftest import CASCAS, LUCMA
from tests.factories import (
    PASSWORD,
    AtmBudgetFactory,
    AtmOfficeFactory,
    BoardMemberFactory,
    BoardTermFactory,
    CategoryFactory,
    JassFactory,
    WaterSystemFactory,
)

MAX_EXAMPLES = 25
SCHEMA_PATH = "/api/schema/?format=json"
TOKEN_PATH = "/api/v1/auth/token/"
PERSONAS = {"atm_head": "staff_a", "reviewer": "reviewer"}
# Districts of the territory migration: Cascas and Lucma (the personas' province, with JASS) and
# one district in each of three other departments.
KNOWN_UBIGEOS = [CASCAS, LUCMA, "010101", "150101", "250101"]
# DRF's error statuses, which drf-spectacular does not list in the schema unless told.
DRF_ERROR_STATUSES = {400, 401, 403, 404, 405, 429}
# werkzeug's test client sets no REMOTE_ADDR; DRF's throttle and django-axes key on it.
CLIENT_IP = "192.0.2.10"  # TEST-NET-1
ENVIRON = {"REMOTE_ADDR": CLIENT_IP}
# Known deviation (reported, not fixed here): a path that matches no URL pattern, such as
# /api/v1/districts/abc/ (the ubigeo route only takes 6 digits), gets Django's HTML 404 page,
# while the contract says the API answers JSON only. Set to False once /api/ has a JSON 404.
UNROUTED_404_MAY_BE_HTML = True

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            # Valid and invalid inputs.
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            # No example database: a run depends on the code only, not on earlier runs.
            "database": "none",
            # The token is set by the test; generated Authorization headers would only be 401s.
            "with-security-parameters": False,
        },
    }
)

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def existing_ubigeos(context, strategy):
    """A random 6-digit ubigeo is almost never a district: mix in real ones, so that the detail
    serializer (office, indicators, goals) answers and is checked, not only the 404."""
    operation = context.operation
    if operation is None or not any(p.name == "ubigeo" for p in operation.path_parameters):
        return strategy
    real = st.builds(
        lambda params, ubigeo: {**(params or {}), "ubigeo": ubigeo},
        strategy,
        st.sampled_from(KNOWN_UBIGEOS),
    )
    return st.one_of(real, strategy)


def _is_json(response) -> bool:
    content_type = (response.headers.get("content-type") or [""])[0]
    return content_type.split(";")[0].strip() == "application/json"


def _routes(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@schemathesis.check
def documented_status(ctx, response, case):
    """The status is documented for the operation, or is a DRF error status answered as the
    contract's JSON error object."""
    status = response.status_code
    if is_unexpected_http_status_case(case):
        # The coverage phase also sends methods the path does not have (PUT, TRACE, ...).
        if status == 405 or (case.method.upper() == "OPTIONS" and status == 200):
            return None
        raise AssertionError(f"{case.method} on {case.path} answered {status}, not 405")
    responses = case.operation.definition.raw.get("responses", {})
    if "default" in responses or str(status) in responses:
        return None
    if status not in DRF_ERROR_STATUSES:
        raise AssertionError(f"Undocumented status {status}; documented: {', '.join(responses)}")
    if not _is_json(response):
        path = response.request.path_url.split("?")[0]
        if status == 429 and case.operation.path == TOKEN_PATH:
            return None  # django-axes' lockout page (AXES_LOCKOUT_TEMPLATE)
        if status == 404 and UNROUTED_404_MAY_BE_HTML and not _routes(path):
            return None
        raise AssertionError(f"{status} answered {response.headers.get('content-type')}")
    body = json.loads(response.content)
    if not isinstance(body, dict) or not body:
        raise AssertionError(f"{status} answered {body!r}, not an error object")
    return None


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
    ignored_auth,
    documented_status,
]


@pytest.fixture
def wsgi_in_test_transaction(db):
    """Requests go through the real WSGI handler, whose request signals would close the database
    connection, and with it the test's transaction; Django's test client disconnects them too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_in_test_transaction):
    """The schema served at /api/schema/, requested through the WSGI app."""
    loaded = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application, config=CONFIG)
    loaded.hook("before_generate_path_parameters")(existing_ubigeos)
    return loaded


@pytest.fixture
def registry(db, staff_a, staff_b):
    """A few JASS in both personas' districts, so that lists, counts and indicators are not
    empty."""
    AtmBudgetFactory(office=AtmOfficeFactory(district_id=CASCAS), year=2017)
    CategoryFactory(district_id=CASCAS, year=2017, category="C")
    CategoryFactory(district_id=LUCMA, year=2017, category="D")
    cascas = JassFactory.create_batch(3, district_id=CASCAS)
    JassFactory(district_id=CASCAS, status=JassStatus.INACTIVE)
    JassFactory.create_batch(2, district_id=LUCMA)
    for jass in cascas[:2]:
        WaterSystemFactory(jass=jass)
        BoardMemberFactory(term=BoardTermFactory(jass=jass))
    return cascas


@pytest.fixture(params=list(PERSONAS))
def persona(request):
    return request.param


@pytest.fixture
def auth_headers(request, persona, registry, wsgi_in_test_transaction):
    user = request.getfixturevalue(PERSONAS[persona])
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture
def token_throttle_reset():
    forget_token_throttle()
    yield
    forget_token_throttle()  # so that other tests asking for a token are not throttled


def forget_token_throttle() -> None:
    """The token throttle counts requests per client IP in the cache for a minute."""
    throttle = TokenThrottle()
    cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": CLIENT_IP})


fuzzed = schemathesis.pytest.from_fixture("api_schema")


# `persona` is parametrized; the mark puts it in the test's fixtures at collection time.
@fuzzed.exclude(path=TOKEN_PATH).parametrize()
@pytest.mark.usefixtures("auth_headers")
@FUZZ_SETTINGS
def test_api_conforms_to_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS, environ_overrides=ENVIRON)


@fuzzed.include(path=TOKEN_PATH).parametrize()
@pytest.mark.usefixtures("staff_a", "token_throttle_reset")
@FUZZ_SETTINGS
def test_token_endpoint_fuzz(case):
    if case.media_type != "application/json" and not isinstance(case.body, dict | NotSet):
        # A form body that is not an object (a negative case) cannot be encoded: werkzeug's
        # test client fails before any request is made.
        return
    forget_token_throttle()  # each example reaches the view, not only the first 30
    response = case.call(environ_overrides=ENVIRON)
    # Anonymous by design: ignored_auth does not apply (the operation declares no security).
    case.validate_response(response, checks=[c for c in CHECKS if c is not ignored_auth])
    if not is_unexpected_http_status_case(case):
        assert response.status_code in {200, 400, 403, 429}, response.status_code


def test_token_endpoint_answers_its_schema(api_schema, staff_a, token_throttle_reset):
    """The success path, which random credentials never reach."""
    case = api_schema[TOKEN_PATH]["POST"].Case(
        body={"username": staff_a.username, "password": PASSWORD}, media_type="application/json"
    )
    response = case.call(environ_overrides=ENVIRON)
    case.validate_response(response, checks=CHECKS)
    assert response.status_code == 200
    assert json.loads(response.content)["token"] == Token.objects.get(user=staff_a).key
