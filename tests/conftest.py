"""Personas (staff of district A = Cascas, staff of district B = Lucma, reviewer, outsider) and
the service switches: a test that needs PostgreSQL, Redis, a Celery worker or Chromium skips
when the service is absent, unless ATO_REQUIRE_SERVICES=1 (CI), where it fails instead."""

import os

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from territory.models import Role
from territory.services import api_token_issue

from .factories import PASSWORD, AtmOfficeFactory, UserFactory

# The SQLite test database is a file in test-artifacts/ (ato/settings.py): a fresh clone that
# runs one directory of tests has no such folder yet.
os.makedirs(os.path.join(settings.BASE_DIR, "test-artifacts"), exist_ok=True)

CASCAS, LUCMA = "131101", "131102"


def need_service(available: bool, reason: str) -> None:
    """Skip (developer machine) or fail (CI) when a service the test needs is missing."""
    if available:
        return
    if settings.ATO_REQUIRE_SERVICES:
        pytest.fail(f"{reason} (ATO_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def postgres(db):
    need_service(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL")


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    ok = False
    if url:
        import redis

        try:
            ok = bool(redis.Redis.from_url(url, socket_timeout=2).ping())
        except redis.RedisError:
            ok = False
    need_service(ok, "needs Redis: set REDIS_URL to a running server")
    return url


@pytest.fixture
def staff_a(db):
    AtmOfficeFactory(district_id=CASCAS)
    return UserFactory(username="staff.cascas", role=Role.ATM_HEAD, district_id=CASCAS)


@pytest.fixture
def staff_b(db):
    AtmOfficeFactory(district_id=LUCMA, ordinance_number="O.M. 007-2016-MDL")
    return UserFactory(username="staff.lucma", role=Role.ATM_STAFF, district_id=LUCMA)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="revisor.mef", role=Role.REVIEWER, district_id=None)


@pytest.fixture
def outsider(db):
    """Signed in, but with no role yet."""
    return UserFactory(username="sin.rol", role="", district_id=None)


@pytest.fixture
def personas(staff_a, staff_b, reviewer, outsider):
    return {"own": staff_a, "other": staff_b, "reviewer": reviewer, "outsider": outsider}


def api_client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        _, key = api_token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing is Django's PBKDF2 in the app; tests use a fast hasher to stay quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process in tests, also where REDIS_URL is set; the tests marked `services`
    talk to a real worker through the real broker instead."""
    from ato.celery import app

    eager = request.node.get_closest_marker("services") is None
    previous = app.conf.task_always_eager
    # With a namespace, Celery reads the Django-style key before the lower-case one.
    app.conf.CELERY_TASK_ALWAYS_EAGER = eager
    yield
    app.conf.CELERY_TASK_ALWAYS_EAGER = previous
