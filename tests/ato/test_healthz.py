from unittest import mock

from django.db.utils import OperationalError


def test_it_answers_200_when_the_database_answers(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_it_answers_503_when_the_broker_does_not(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["broker"] == "error"


def test_it_answers_200_when_the_configured_broker_answers(client, db, settings, redis_url):
    settings.REDIS_URL = redis_url
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_it_answers_503_when_the_database_does_not(client, db, settings):
    settings.REDIS_URL = ""
    with mock.patch("ato.views.connection") as conn:
        conn.cursor.side_effect = OperationalError("down")
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "error"
