"""Both login doors, the login page and `POST /api/v1/auth/token/`, share one guard: the same
django-axes lockout (username and IP), the same per-IP limit against password spraying, and a
client IP that the client cannot choose by rotating `X-Forwarded-For`."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from ato.api import TokenThrottle
from territory.models import ApiToken
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
IP = "127.0.0.1"  # Django's test client's REMOTE_ADDR


def ask_token(client, username, password, **extra):
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, "application/json", **extra
    )


def sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture(autouse=True)
def _fresh_token_throttle():
    """The throttle counts in the cache, outside the test's transaction."""

    def forget():
        throttle = TokenThrottle()
        for ip in (IP, "203.0.113.7"):
            cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": ip})

    forget()
    yield
    forget()


def test_the_token_endpoint_gives_no_token_after_the_failure_limit_even_for_the_right_password(
    client, staff_a, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        ask_token(client, "staff.cascas", "equivocada")
    response = ask_token(client, "staff.cascas", PASSWORD)
    assert response.status_code == 429
    assert "bloqueado" in response.json()["detail"]
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


def test_failures_on_the_token_endpoint_lock_the_login_page(client, staff_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        ask_token(client, "staff.cascas", "equivocada")
    response = sign_in(client, "staff.cascas", PASSWORD)
    assert response.status_code == 429
    assert "bloqueado" in response.content.decode()
    assert not signed_in(client)


def test_failures_on_the_login_page_lock_the_token_endpoint(client, staff_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "staff.cascas", "equivocada")
    response = ask_token(client, "staff.cascas", PASSWORD)
    assert response.status_code == 429
    assert not ApiToken.objects.exists()


def test_failures_on_both_doors_add_up(client, staff_a, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        door = ask_token if attempt % 2 else sign_in
        door(client, "staff.cascas", "equivocada")
    assert ask_token(client, "staff.cascas", PASSWORD).status_code == 429
    assert sign_in(client, "staff.cascas", PASSWORD).status_code == 429
    assert not ApiToken.objects.exists() and not signed_in(client)


def test_a_right_password_before_the_limit_still_gets_a_token(client, staff_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        ask_token(client, "staff.cascas", "equivocada")
    response = ask_token(client, "staff.cascas", PASSWORD)
    assert response.status_code == 200 and response.json()["token"]


def test_rotating_x_forwarded_for_does_not_get_more_tries_at_the_token_endpoint(
    client, staff_a, settings
):
    for i in range(settings.AXES_FAILURE_LIMIT):
        ask_token(client, "staff.cascas", "equivocada", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    response = ask_token(client, "staff.cascas", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429
    assert not ApiToken.objects.exists()


def test_rotating_x_forwarded_for_does_not_reset_the_token_throttle(client, db, settings):
    settings.AXES_ENABLED = False  # only the throttle: no lockout answers first
    rate = int(TokenThrottle.rate.split("/")[0])
    answers = [
        ask_token(client, f"nadie{i}", "x", HTTP_X_FORWARDED_FOR=f"10.1.{i}.1").status_code
        for i in range(rate + 1)
    ]
    assert answers[:rate] == [400] * rate
    assert answers[rate] == 429


def test_with_one_trusted_proxy_the_client_is_the_address_the_proxy_wrote(
    client, staff_a, settings
):
    """Behind one proxy, X-Forwarded-For is `<what the client sent>, <client address>`: the
    client's own part changes nothing, the address the proxy appended is the one locked."""
    settings.ATO_TRUSTED_PROXY_COUNT = 1
    for i in range(settings.AXES_FAILURE_LIMIT):
        forwarded = f"10.2.0.{i}, 203.0.113.7"
        ask_token(client, "staff.cascas", "equivocada", HTTP_X_FORWARDED_FOR=forwarded)
    locked = ask_token(
        client, "staff.cascas", PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7"
    )
    assert locked.status_code == 429
    # Another client behind the same proxy (REMOTE_ADDR) is not locked out.
    other = ask_token(client, "staff.cascas", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert other.status_code == 200


def test_one_ip_trying_many_usernames_is_blocked_on_both_doors(client, staff_a, settings):
    """Password spraying: one wrong password for each of many usernames, from one IP, never
    reaches the per-user limit; the per-IP limit stops it."""
    for i in range(settings.ATO_LOGIN_FAILURES_PER_IP):
        door = ask_token if i % 2 else sign_in
        door(client, f"usuario.{i}", "verano2026")
    token = ask_token(client, "staff.cascas", PASSWORD)
    assert token.status_code == 429
    assert "desde esta conexión" in token.json()["detail"]
    page = sign_in(client, "staff.cascas", PASSWORD)
    assert page.status_code == 429 and not signed_in(client)
    # Only that IP: the user signs in from another one.
    assert sign_in(client, "staff.cascas", PASSWORD, REMOTE_ADDR="198.51.100.20").status_code == 302


def test_a_few_failures_from_a_shared_office_ip_block_no_one(client, staff_a, staff_b, settings):
    for i in range(settings.ATO_LOGIN_FAILURES_PER_IP - 2):
        sign_in(client, f"usuario.{i}", "equivocada")
    assert sign_in(client, "staff.lucma", PASSWORD).status_code == 302
