"""API tokens end: they expire, a password change or a deactivation ends them, and their owner
lists and revokes them (API and "Mi cuenta"). The key is never stored."""

import datetime as dt
import hashlib

import pytest
from django.core.cache import cache
from django.utils import timezone

from ato.api import TokenThrottle
from territory.models import ApiToken
from territory.services import api_token_issue, user_deactivate
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
READ_URL = "/api/v1/districts/131101/"


@pytest.fixture(autouse=True)
def _fresh_token_throttle():
    throttle = TokenThrottle()
    key = throttle.cache_format % {"scope": throttle.scope, "ident": "127.0.0.1"}
    cache.delete(key)
    yield
    cache.delete(key)


def obtain(client, username="staff.cascas") -> dict:
    response = client.post(
        TOKEN_URL, {"username": username, "password": PASSWORD}, "application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def read(client, key: str):
    return client.get(READ_URL, HTTP_AUTHORIZATION=f"Token {key}")


def token_of(key: str) -> ApiToken:
    return ApiToken.objects.get(key_digest=hashlib.sha256(key.encode()).hexdigest())


def test_a_token_expires_after_the_configured_days(client, staff_a, settings):
    settings.ATO_TOKEN_TTL_DAYS = 7
    issued = obtain(client)
    expires = dt.datetime.fromisoformat(issued["expires"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    assert read(client, issued["token"]).status_code == 200
    ApiToken.objects.filter(pk=token_of(issued["token"]).pk).update(expires=timezone.now())
    response = read(client, issued["token"])
    assert response.status_code == 401
    assert "vencido" in response.json()["detail"]


def test_the_default_lifetime_is_thirty_days(client, staff_a):
    issued = obtain(client)
    lifetime = dt.datetime.fromisoformat(issued["expires"]) - timezone.now()
    assert dt.timedelta(days=29, hours=23) < lifetime <= dt.timedelta(days=30)


def test_a_password_change_ends_every_token(client, staff_a):
    first, second = obtain(client)["token"], obtain(client)["token"]
    staff_a.set_password("otra-clave-2026")
    staff_a.save()
    for key in (first, second):
        response = read(client, key)
        assert response.status_code == 401
        assert "contraseña" in response.json()["detail"]


def test_deactivating_a_user_revokes_their_tokens_for_good(client, staff_a):
    key = obtain(client)["token"]
    user_deactivate(user=staff_a)
    assert read(client, key).status_code == 401
    assert token_of(key).revoked_at is not None
    staff_a.is_active = True  # reactivated later: the old token stays revoked
    staff_a.save()
    assert read(client, key).status_code == 401


def test_an_inactive_user_is_refused_however_they_were_deactivated(client, staff_a):
    key = obtain(client)["token"]
    staff_a.is_active = False  # e.g. the admin's "active" box, or the shell
    staff_a.save()
    assert read(client, key).status_code == 401


def test_the_admin_deactivating_a_user_revokes_their_tokens(client, staff_a, db):
    from territory.models import User

    key = obtain(client)["token"]
    admin = User.objects.create_superuser("jefe", "jefe@example.pe", PASSWORD)
    client.force_login(admin)
    page = client.get(f"/admin/territory/user/{staff_a.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data.update(
        last_login_0="", last_login_1="", date_joined_0="2026-01-01", date_joined_1="08:00:00"
    )
    data.pop("is_active")  # the box unticked
    response = client.post(f"/admin/territory/user/{staff_a.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert token_of(key).revoked_reason == "deactivated"


def test_a_user_lists_only_their_own_tokens(client, staff_a, staff_b):
    mine = [obtain(client)["token"], obtain(client)["token"]]
    obtain(client, "staff.lucma")
    response = client.get(TOKENS_URL, HTTP_AUTHORIZATION=f"Token {mine[1]}")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(row["id"] for row in rows) == sorted(token_of(k).pk for k in mine)
    current = {row["id"]: row["current"] for row in rows}
    assert current == {token_of(mine[0]).pk: False, token_of(mine[1]).pk: True}
    assert all(row["prefix"] == k[:8] for row, k in zip(rows, reversed(mine), strict=True))
    assert not any(k in response.content.decode() for k in mine)  # prefixes only


def test_delete_revokes_the_token_in_use_and_only_that_one(client, staff_a):
    used, other = obtain(client)["token"], obtain(client)["token"]
    response = client.delete(TOKEN_URL, HTTP_AUTHORIZATION=f"Token {used}")
    assert response.status_code == 204
    assert read(client, used).status_code == 401
    assert read(client, other).status_code == 200
    revoked = token_of(used)  # kept, not deleted
    assert revoked.revoked_at is not None and revoked.revoked_reason == "by_user"
    listed = client.get(TOKENS_URL, HTTP_AUTHORIZATION=f"Token {other}").json()["results"]
    assert {row["id"]: row["revoked"] for row in listed} == {
        revoked.pk: True,
        token_of(other).pk: False,
    }


def test_a_stale_token_in_the_header_does_not_stop_asking_for_a_new_one(client, staff_a):
    old = obtain(client)["token"]
    client.delete(TOKEN_URL, HTTP_AUTHORIZATION=f"Token {old}")
    response = client.post(
        TOKEN_URL,
        {"username": "staff.cascas", "password": PASSWORD},
        "application/json",
        HTTP_AUTHORIZATION=f"Token {old}",
    )
    assert response.status_code == 200


def test_the_account_page_lists_own_tokens_and_revokes_them(client, staff_a, staff_b):
    mine, _ = api_token_issue(user=staff_a)
    theirs, _ = api_token_issue(user=staff_b)
    client.force_login(staff_a)
    page = client.get("/cuenta/").content.decode()
    assert mine.prefix in page and theirs.prefix not in page
    response = client.post(f"/cuenta/tokens/{mine.pk}/revocar/")
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None and mine.revoked_reason == "by_user"


def test_another_users_token_on_the_revoke_page_answers_404(client, staff_a, staff_b):
    theirs, key = api_token_issue(user=staff_b)
    client.force_login(staff_a)
    assert client.post(f"/cuenta/tokens/{theirs.pk}/revocar/").status_code == 404
    assert read(client, key).status_code == 200


def test_the_key_is_not_stored_in_clear(client, staff_a):
    key = obtain(client)["token"]
    token = token_of(key)
    stored = " ".join(
        str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()
    )
    assert key not in stored
    assert token.key_digest == hashlib.sha256(key.encode()).hexdigest()


def test_last_use_is_recorded_at_most_once_a_minute(client, staff_a):
    key = obtain(client)["token"]
    read(client, key)
    first = token_of(key).last_used
    assert first is not None
    read(client, key)
    assert token_of(key).last_used == first  # a second read within the minute writes nothing
    ApiToken.objects.update(last_used=first - dt.timedelta(minutes=2))
    read(client, key)
    assert token_of(key).last_used > first


def test_the_token_list_and_the_account_page_cost_the_same_queries_for_1_and_50_tokens(
    client, staff_a
):
    from django.test import Client

    from tests.test_query_counts import count_queries

    _, key = api_token_issue(user=staff_a)
    ApiToken.objects.update(last_used=timezone.now())  # no last_used write in the counts
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")  # no session: the token only
    client.force_login(staff_a)

    def counts():
        return (
            count_queries(lambda: api.get(TOKENS_URL)),
            count_queries(lambda: client.get("/cuenta/")),
        )

    one = counts()
    for _ in range(49):
        api_token_issue(user=staff_a)
    # API: the token with its user, COUNT for the paginator, the page of tokens with their user.
    # Page: session, user, the tokens with their user, the session's idle-timeout refresh.
    assert one == (3, 4)
    assert counts() == one
