"""Schema-driven fuzzing of the REST API v1 (schemathesis 4 + Hypothesis).

The OpenAPI schema is read from the app itself (`GET /api/schema/`, drf-spectacular) through the
WSGI app, in-process, and every operation it lists is called with generated inputs (valid and
invalid ones) as two personas: the ATM head of Cascas (`staff_a`) and the ministry reviewer
(`reviewer`), each with a DRF token (`Authorization: Token <key>`).

Checks run on every response (passed explicitly to `call_and_validate`, so nothing depends on a
`schemathesis.toml`):

- `not_a_server_error`: no 5xx, ever.
- `response_schema_conformance`: a documented status answers a body that matches its schema.
- `content_type_conformance`: a documented status answers the documented media type.
- `response_headers_conformance`: documented response headers are present and valid.
- `ignored_auth`: a 2xx answered with the token must answer 401 without it and with a bogus one
  (anonymous -> 401 is part of the contract, shared/API.md).
- `documented_status` (defined here): the status is documented in the schema, or is one of the
  DRF error statuses that drf-spectacular leaves out unless told (400, 401, 403, 404, 405, 429),
  answered as a JSON error object (`{"detail": ...}` or `{"field": [...]}`), as the contract says.
  The built-in `status_code_conformance` is not enabled: the schema documents only the success
  status of each operation, so every 404 for an unknown ubigeo would fail it.

Not enabled: `positive_data_acceptance` (a schema-valid ubigeo that does not exist is rightly a
404), `negative_data_rejection` (DRF ignores unknown `ordering` values and out-of-range pages are
404, both by design), and the stateful checks (`use_after_free`, `ensure_resource_availability`),
which need links between operations that the schema does not declare.

The token endpoint is fuzzed in its own test, anonymously: it is throttled (30/min per IP) and
django-axes locks a username after repeated failures, so under the personas' tokens it would only
add noise. Its accepted statuses are 200, 400 (bad credentials or body), 403 and 429 (throttle or
axes lockout). The throttle counter lives in the cache: it is removed after that test so that
other tests asking for tokens are not throttled.

Deterministic and bounded: derandomized Hypothesis, no example database, 25 examples per
operation and persona.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
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
TOKEN_PATH = "/api/v1/auth/token/"
# Districts that exist in the territory loaded by the data migration: Cascas and Lucma (the
# personas' province, with JASS), and one district of three other departments.
KNOWN_UBIGEOS = [CASCAS, LUCMA, "010101", "150101", "250101"]
# DRF's error statuses, which drf-spectacular does not list in the schema unless told.
DRF_ERROR_STATUSES = {400, 401, 403, 404, 405, 429}
# werkzeug's test client sets no REMOTE_ADDR; the throttle and django-axes key on it.
CLIENT_IP = "192.0.2.10"  # TEST-NET-1
ENVIRON = {"REMOTE_ADDR": CLIENT_IP}

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


def generated_schema() -> dict:
    """What `GET /api/schema/` serves (SpectacularAPIView runs the same generator and renderer).

    Generated rather than requested because the module is imported at collection time, before
    pytest-django allows database access, and the view runs in a transaction (ATOMIC_REQUESTS).
    `test_served_schema_is_the_fuzzed_one` checks that both are the same document."""
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    document = generator.get_schema(request=None, public=spectacular_settings.SERVE_PUBLIC)
    return json.loads(OpenApiJsonRenderer().render(document))


RAW_SCHEMA = generated_schema()
schema = schemathesis.openapi.from_dict(RAW_SCHEMA, config=CONFIG)
schema.app = application  # requests go through ato.wsgi.application, in-process

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


@schema.hook("before_generate_path_parameters")
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


@schemathesis.check
def documented_status(ctx, response, case):
    """The status is documented for the operation, or is a DRF error status answered as the
    contract's JSON error object."""
    responses = case.operation.definition.raw.get("responses", {})
    if "default" in responses or str(response.status_code) in responses:
        return None
    if response.status_code not in DRF_ERROR_STATUSES:
        raise AssertionError(
            f"Undocumented status {response.status_code}; documented: {', '.join(responses)}"
        )
    if response.status_code == 429 and not response.headers.get("content-type", [""])[0].startswith(
        "application/json"
    ):
        # django-axes answers its lockout with an HTML page (AXES_LOCKOUT_TEMPLATE).
        return None
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} answered a non-JSON body") from exc
    if not isinstance(body, dict) or not body:
        raise AssertionError(f"{response.status_code} answered {body!r}, not an error object")
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
    """Requests go through the real WSGI handler, whose request signals close the database
    connection (and with it the test's transaction). Django's test client disconnects them too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def registry(db, staff_a, staff_b):
    """A few JASS in both personas' districts, so that lists and counts are not empty."""
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


@pytest.fixture
def auth_headers(request, persona, registry, wsgi_in_test_transaction):
    user = request.getfixturevalue({"atm_head": "staff_a", "reviewer": "reviewer"}[persona])
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@pytest.mark.parametrize("persona", ["atm_head", "reviewer"])
@schema.exclude(path=TOKEN_PATH).parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_schema(case, persona, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS, environ_overrides=ENVIRON)


def forget_token_throttle() -> None:
    """The token throttle counts requests per client IP in the cache for a minute."""
    throttle = TokenThrottle()
    cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": CLIENT_IP})


@pytest.fixture
def token_throttle_reset():
    yield
    forget_token_throttle()  # so that other tests asking for a token are not throttled


@schema.include(path=TOKEN_PATH, method="POST").parametrize()
@FUZZ_SETTINGS
def test_token_endpoint_fuzz(case, staff_a, wsgi_in_test_transaction, token_throttle_reset):
    if case.media_type != "application/json" and not isinstance(case.body, dict | NotSet):
        # A form body that is not an object (a negative case) cannot be encoded: werkzeug's
        # test client fails before any request is made.
        return
    # Each example reaches the view, not only the first 30 (the throttle is not under test here).
    forget_token_throttle()
    response = case.call(environ_overrides=ENVIRON)
    case.validate_response(response, checks=[c for c in CHECKS if c is not ignored_auth])
    if case.method.upper() == "POST":
        # 403 and the HTML 429 come from django-axes once a fuzzed username fails 5 times.
        assert response.status_code in {200, 400, 403, 429}, response.status_code
    else:
        assert response.status_code == 405, response.status_code


def test_token_endpoint_answers_its_schema(staff_a, wsgi_in_test_transaction, token_throttle_reset):
    """The success path, which random credentials never reach."""
    operation = schema[TOKEN_PATH]["POST"]
    case = operation.Case(
        body={"username": staff_a.username, "password": PASSWORD}, media_type="application/json"
    )
    response = case.call(environ_overrides=ENVIRON)
    case.validate_response(response, checks=CHECKS)
    assert response.status_code == 200
    assert json.loads(response.content)["token"] == Token.objects.get(user=staff_a).key


def test_served_schema_is_the_fuzzed_one(db, client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content) == RAW_SCHEMA
