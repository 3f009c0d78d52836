"""Issuing an API token for a username and password."""

from rest_framework.test import APIClient

from tests.factories import (
    PASSWORD,
)


def test_a_token_is_issued_for_good_credentials(staff_a):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "staff.cascas", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200 and len(response.json()["token"]) == 40


def test_bad_credentials_get_no_token(staff_a):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "staff.cascas", "password": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()
