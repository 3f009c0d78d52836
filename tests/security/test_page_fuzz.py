"""Every route of `ato/urls.py`, as every persona, with odd path values, odd query strings and
junk form bodies: no request may answer a 5xx (the API's schema-driven fuzz is
`tests/api/test_schema_fuzz.py`; this one walks the URL resolver, pages and API alike).

For each route (the admin excepted: no persona may enter it, `test_tenant_matrix.py`):
- each path parameter in turn takes the odd values of `ODD_PATH_VALUES` (the others keep a
  valid value); a path the resolver refuses is asked once (it reaches no view), a path it
  accepts is asked, GET and POST, by the personas who can see the objects (`DEEP_PERSONAS`);
- the valid path (the objects are Cascas', so `other` meets another district's objects) is
  asked by every persona, as many variants as its `BUDGET`: GET, GET with odd query strings
  (`ODD_QUERIES`: `QUERY_VALUES` dealt over the list filters' names and the page's own form
  fields), POST with no body and POST with junk bodies (`JUNK_VALUES` dealt over the page's
  form fields and the usual names).

Every 5xx is collected, with its method, path and persona, and all are reported at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import urllib.parse

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404
from django.utils import timezone

from tests.conftest import CASCAS, LUCMA
from tests.factories import (
    BoardMemberFactory,
    BoardTermFactory,
    CentreServiceFactory,
    JassFactory,
    PopulatedCentreFactory,
    WaterSystemFactory,
    atm_ordinance_evidence,
)

PERSONAS = ("own", "other", "reviewer", "outsider", "anon")
# How many odd query strings and junk bodies each persona sends to a valid path: the two who
# reach the views' code in full (the district's head, the reviewer) send all of them; the
# others are turned away early (404, 403, the login page), so a few show that they are.
BUDGET = {"own": None, "reviewer": None, "other": 2, "outsider": 1, "anon": 1}
# Odd path values reach the views' lookups as the personas who can see the objects.
DEEP_PERSONAS = ("own", "reviewer")
# Generated per request (about 0.2 s) and deaf to queries and bodies: one GET per persona.
STATIC_ROUTES = {"api_schema", "api_docs"}

ODD_PATH_VALUES = [
    "0",
    "-1",
    str(2**63),
    str(10**25),
    "ñandú",
    "%00",
    "..%2F",
    "../",
    "x" * 10_000,
]
# Names the list pages and list endpoints filter or sort by; the page's own form fields are
# added to them for each route.
FILTER_NAMES = [
    "page",
    "page_size",
    "ordering",
    "year",
    "district",
    "department",
    "province",
    "q",
    "status",
    "kind",
    "signal",
    "community",
    "jass",
    "staff",
    "start",
    "end",
    "done",
    "passed",
    "at_risk",
    "active",
    "date_from",
    "date_to",
    "run",
    "format",
    "period",
]
HUGE = str(10**25)
# Odd query values, dealt round-robin over the filter names (the list filters' and the page's
# own fields): each query string gives every name a different odd value.
QUERY_VALUES = [HUGE, "-1", "\x00", "%FF", "²", "ñ" * 500, "0001-01-01"]
ODD_QUERIES = [
    # The case that was found: each parameter odd in its own way.
    {"page": "-1", "page_size": str(10**9), "ordering": "x", "year": HUGE, "district": "%FF"},
    # A NUL in every filter at once: PostgreSQL refuses it in any text, so a value that reaches
    # a query unvalidated is a 500 there (it was: the run page's department and province).
    dict.fromkeys(FILTER_NAMES, "%00"),
    0,
    3,
]
# Junk for form fields, dealt round-robin over a body's fields: JUNK_BODIES bodies give each
# field as many different values. "²" and "١٢" are digits to str.isdigit() but not to int().
JUNK_VALUES = [
    HUGE,
    "-1",
    "²",
    "١٢",
    "0001-01-01",
    "9999-12-31",
    "ñandú\x00\x07\x1b",
    "x" * 20_000,
]
JUNK_BODIES = 3
# Names of the forms' fields, formsets and review actions; a page's own fields are added.
FORM_NAMES = [
    "name",
    "date",
    "kind",
    "year",
    "cutoff",
    "decision",
    "comment",
    "reason",
    "confirm",
    "retired_on",
    "jass",
    "findings",
    "number",
    "issued_on",
    "requirement",
    "readings-TOTAL_FORMS",
    "readings-INITIAL_FORMS",
    "agreements-TOTAL_FORMS",
    "agreements-INITIAL_FORMS",
    "members-TOTAL_FORMS",
    "members-INITIAL_FORMS",
    "budgets-TOTAL_FORMS",
    "budgets-INITIAL_FORMS",
    "username",
    "password",
    "language",
    "next",
]
FIELD_NAME = re.compile(r'name="([A-Za-z0-9_\-]{1,60})"')
GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _templates(patterns=None, prefix: str = "") -> list[tuple[str, str]]:
    """(route name, path template with `{param}` placeholders) for every route but the admin."""
    found = []
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            found += _templates(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            found.append((p.name or "", "/" + _template(prefix + str(p.pattern))))
    return found


def _template(pattern: str) -> str:
    """`jass/<pk:pk>/` and `^jass/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$` as path templates."""
    text = GROUP.sub(r"{\1}", pattern)
    text = CONVERTER.sub(r"{\1}", text)
    for token in ("^", "$", "/?"):
        text = text.replace(token, "")
    return text.replace("\\.", ".")


def _valid_values(template: str, objects: dict) -> dict[str, str]:
    """A valid value for each parameter: the route's own object of Cascas."""
    first = template.strip("/").split("/")
    resource = first[2] if first[0] == "api" and len(first) > 2 else first[0]
    pk = {
        "jass": objects["jass"],
        "sistemas": objects["system"],
        "visitas": objects["visit"],
        "acuerdos": objects["agreement"],
        "evaluaciones": objects["run"],
        "evidencias": objects["evidence"],
        "water-systems": objects["system"],
        "board-terms": objects["term"],
        "visits": objects["visit"],
        "runs": objects["run"],
        "servicios-de-agua": objects["centre_service"],
        "agenda": objects["scheduled"],
    }.get(resource.split(".")[0], objects["jass"])
    # A populated centre is named by its INEI code, a goal by its own code.
    centre = resource in ("centros-poblados", "populated-centres")
    return {
        "pk": str(pk),
        "system": str(objects["system"]),  # a visit's water system (service assessment)
        "attachment_pk": str(objects["acta"]),  # a visit's acta file
        "ubigeo": CASCAS,
        "year": str(timezone.localdate().year),
        "month": str(timezone.localdate().month),  # the agenda's month calendar
        "fmt": "csv",
        "format": "json",
        "code": objects["centre"] if centre else "2017-M35",
    }


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format(**values)


def _resolves(path: str) -> bool:
    from django.urls import resolve

    try:
        resolve(urllib.parse.unquote(path.split("?")[0]))
    except Resolver404:
        return False
    return True


@pytest.fixture
def objects(staff_a, staff_b):
    """Cascas' objects, one of each kind a path can name, and a JASS of Lucma."""

    from incentives import services as incentive_services
    from incentives.models import EvaluationRun, Goal
    from territory.models import DistrictCategory
    from visits.services import visit_record

    jass = JassFactory(district_id=CASCAS)
    JassFactory(district_id=LUCMA)
    term = BoardTermFactory(jass=jass)
    BoardMemberFactory(term=term)
    system = WaterSystemFactory(jass=jass)
    visit = visit_record(
        user=staff_a,
        jass=jass,
        data={"date": timezone.localdate() - dt.timedelta(days=10), "kind": "supervision"},
        readings=[{"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.60"}],
        agreements=[
            {"task": "Limpiar", "responsible": "Operador", "due_on": timezone.localdate()},
        ],
    )
    DistrictCategory.objects.get_or_create(
        district_id=CASCAS, year=2017, defaults={"category": "C"}
    )
    run = EvaluationRun.objects.create(
        goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2017, 12, 31), kind="official"
    )
    for chunk in incentive_services.run_split(run.pk):
        incentive_services.chunk_evaluate(run.pk, chunk)
    evidence = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)
    centre = PopulatedCentreFactory(district_id=CASCAS)
    centre_service = CentreServiceFactory(centre=centre, jass=jass)
    return {
        "jass": jass.pk,
        "system": system.pk,
        "term": term.pk,
        "visit": visit.pk,
        "agreement": visit.agreements.get().pk,
        "run": run.pk,
        "evidence": evidence.pk,
        "centre": centre.code,
        "centre_service": centre_service.pk,
        "acta": acta_of(staff_a, visit),
        "scheduled": scheduled_of(staff_a, jass),
    }


def acta_of(staff_a, visit) -> int:
    """A photo of the visit's signed acta (`visitas/<pk>/actas/<attachment_pk>/`)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from visits.services import attachment_add

    photo = SimpleUploadedFile("acta.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    return attachment_add(user=staff_a, visit=visit, file=photo).attachment.pk


def scheduled_of(staff_a, jass) -> int:
    """A planned visit of Cascas, pending (`agenda/<pk>/`)."""
    from visits.schedule import scheduled_visit_create

    day = timezone.localdate() + dt.timedelta(days=3)
    return scheduled_visit_create(user=staff_a, jass=jass, date=day, staff=staff_a).pk


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """Thousands of 404/405 and failed-login warnings would bury the report of a failure."""
    loggers = [logging.getLogger(name) for name in ("django.request", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture(autouse=True)
def _forget_throttles():
    """The token endpoint's throttle counts in the cache, outside the test's transaction."""
    cache.clear()
    yield
    cache.clear()


class Fuzzer:
    def __init__(self, personas: dict):
        self.personas = personas
        self.failures: list[str] = []
        self.requests = 0
        self.clients: dict[str, Client] = {}

    def client(self, persona: str) -> Client:
        """A client signed in as the persona (again: a route may have signed it out)."""
        client = Client(raise_request_exception=False)
        if persona != "anon":
            client.force_login(self.personas[persona])
        return client

    def call(self, client: Client, persona: str, method: str, path: str, data=None) -> str:
        self.requests += 1
        if path.startswith("/api/") and method in ("post", "patch"):
            response = getattr(client, method)(path, data or {}, content_type="application/json")
        else:
            response = getattr(client, method)(path, data or {})
        if response.status_code >= 500:
            self.failures.append(
                f"{response.status_code} {method.upper()} {path[:160]} as {persona}"
                f" {str(data)[:120] if data else ''}"
            )
        if method == "get" and response.get("Content-Type", "").startswith("text/html"):
            return response.content.decode("utf-8", "replace")
        return ""


def _query(spec, names: list[str]) -> str:
    """A query string: the given pairs, or QUERY_VALUES dealt over `names` from offset `spec`.
    A value written as %XX is sent as that raw byte (%FF is not UTF-8)."""
    if isinstance(spec, dict):
        pairs = spec.items()
    else:
        pairs = ((n, QUERY_VALUES[(i + spec) % len(QUERY_VALUES)]) for i, n in enumerate(names))
    return "&".join(
        f"{urllib.parse.quote(k)}={v if v.startswith('%') else urllib.parse.quote(v)}"
        for k, v in pairs
    )


def test_no_route_answers_a_server_error_to_odd_paths_queries_or_bodies(personas, objects):
    fuzzer = Fuzzer(personas)
    started = time.process_time()
    for name, template in _templates():
        valid = _valid_values(template, objects)
        params = [p for p in valid if "{" + p + "}" in template]
        # Odd path values, one parameter at a time.
        for param in params:
            for odd in ODD_PATH_VALUES:
                value = odd if odd.startswith("%") or "/" in odd else urllib.parse.quote(odd)
                path = _fill(template, {**valid, param: value})
                if not _resolves(path):
                    fuzzer.call(fuzzer.client("own"), "own", "get", path)
                    continue
                for persona in DEEP_PERSONAS:
                    client = fuzzer.client(persona)
                    fuzzer.call(client, persona, "get", path)
                    fuzzer.call(client, persona, "post", path, {"name": odd})
        # The valid path: odd queries and junk bodies.
        path = _fill(template, valid)
        for persona in PERSONAS:
            client = fuzzer.client(persona)
            page = fuzzer.call(client, persona, "get", path)
            fields = sorted(set(FIELD_NAME.findall(page)) - {"csrfmiddlewaretoken"})
            if name in STATIC_ROUTES:
                continue
            budget = BUDGET[persona]
            for spec in ODD_QUERIES[:budget]:
                fuzzer.call(client, persona, "get", f"{path}?{_query(spec, FILTER_NAMES + fields)}")
            if name == "logout":
                continue  # a POST signs the client out; its GET is enough
            fuzzer.call(client, persona, "post", path)
            names = FORM_NAMES + fields
            for k in range(min(JUNK_BODIES, budget or JUNK_BODIES)):
                body = {n: JUNK_VALUES[(i + k) % len(JUNK_VALUES)] for i, n in enumerate(names)}
                fuzzer.call(client, persona, "post", path, body)
            if path.startswith("/api/") and ("{pk}" in template or "{code}" in template):
                fuzzer.call(client, persona, "patch", path, {"name": "x" * 20_000})
    elapsed = time.process_time() - started
    # Printed, not asserted: speed is for benchmarks, and this walk grows with every route.
    print(f"page fuzz: {fuzzer.requests} requests in {elapsed:.1f} s of CPU")
    assert fuzzer.requests > 1000, "the walk reached too few routes"
    assert not fuzzer.failures, f"{len(fuzzer.failures)} server errors:\n" + "\n".join(
        fuzzer.failures
    )
