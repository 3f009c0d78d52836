from unittest import mock

import pytest
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


# --- ?deep=1 for operators (issue 14): worker heartbeat and latencies ------------------------


def test_deep_without_a_broker_reports_latency_and_an_in_process_worker(client, db, settings):
    settings.REDIS_URL = ""
    settings.ATO_HEALTHZ_TOKEN = "monitor-token-1234"
    body = client.get("/healthz?deep=1", HTTP_X_HEALTHZ_TOKEN="monitor-token-1234").json()
    assert body["status"] == "ok" and body["worker"] == "eager"
    assert set(body["latency_ms"]) == {"database"} and body["latency_ms"]["database"] >= 0


def test_deep_is_the_cheap_answer_for_anyone_but_operators(client, db, settings, personas):
    settings.REDIS_URL = ""
    settings.ATO_HEALTHZ_TOKEN = "monitor-token-1234"
    cheap = {"status": "ok", "database": "ok"}
    assert client.get("/healthz?deep=1").json() == cheap
    assert client.get("/healthz?deep=1", HTTP_X_HEALTHZ_TOKEN="wrong").json() == cheap
    for user in personas.values():  # ATM head and staff, reviewer, no role: not operators
        client.force_login(user)
        assert client.get("/healthz?deep=1").json() == cheap
    settings.ATO_HEALTHZ_TOKEN = ""  # no token configured: an empty header opens nothing
    client.logout()
    assert client.get("/healthz?deep=1", HTTP_X_HEALTHZ_TOKEN="").json() == cheap


def test_deep_answers_a_staff_user(client, db, settings):
    from tests.factories import UserFactory

    settings.REDIS_URL = ""
    client.force_login(UserFactory(username="operador", is_staff=True, role="", district_id=None))
    assert client.get("/healthz?deep=1").json()["worker"] == "eager"


def test_deep_answers_503_when_no_worker_answers_the_ping(client, db, settings, redis_url):
    settings.REDIS_URL = redis_url
    settings.ATO_HEALTHZ_TOKEN = "monitor-token-1234"
    with mock.patch("ato.celery.app.control.ping", return_value=[]) as ping:
        response = client.get("/healthz?deep=1", HTTP_X_HEALTHZ_TOKEN="monitor-token-1234")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == "ok" and body["worker"] == "error"
    assert set(body["latency_ms"]) == {"database", "broker", "worker"}
    assert ping.call_args.kwargs == {"timeout": settings.ATO_HEALTHZ_WORKER_TIMEOUT, "limit": 1}


def test_deep_does_not_ping_a_worker_through_a_broker_that_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.ATO_HEALTHZ_TOKEN = "monitor-token-1234"
    with mock.patch("ato.celery.app.control.ping") as ping:
        response = client.get("/healthz?deep=1", HTTP_X_HEALTHZ_TOKEN="monitor-token-1234")
    assert response.status_code == 503 and response.json()["worker"] == "error"
    ping.assert_not_called()


@pytest.mark.services
def test_deep_answers_200_when_a_real_worker_answers(client, db, settings, redis_url):
    """A real Celery worker on the real broker answers the heartbeat."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    settings.REDIS_URL = redis_url
    settings.ATO_HEALTHZ_TOKEN = "monitor-token-1234"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ato", "worker", "--pool", "solo"]
        + ["-Q", "celery", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "REDIS_URL": redis_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        body: dict = {}
        while time.monotonic() < deadline:
            body = client.get("/healthz?deep=1", HTTP_X_HEALTHZ_TOKEN="monitor-token-1234").json()
            if body["worker"] == "ok":
                break
            time.sleep(0.5)
        assert body["status"] == "ok" and body["worker"] == "ok", body
        assert 0 <= body["latency_ms"]["worker"] < settings.ATO_HEALTHZ_WORKER_TIMEOUT * 1000
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
