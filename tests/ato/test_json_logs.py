"""Request ids and JSON logs (ATO_JSON_LOGS=1): one line per request with its id, user, method,
path, status and duration, and never a DNI, a phone or a query string."""

import json
import logging
import re

import pytest

from ato.logging import JsonFormatter, RequestIdFilter, request_id_from, request_id_var


class Collect(logging.Handler):
    """The console handler of ATO_JSON_LOGS=1 (same filter, same formatter), into a list."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.addFilter(RequestIdFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def lines(settings):
    """The JSON lines printed for `ato.request` and `django.request` during the test."""
    settings.ATO_JSON_LOGS = True
    handler = Collect()
    loggers = [logging.getLogger("ato.request"), logging.getLogger("django.request")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in handler.lines]
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_one_line_per_request_with_its_id_user_status_and_duration(client, staff_a, lines):
    client.force_login(staff_a)
    response = client.get("/distritos/131101/")
    (line,) = lines()
    assert line["request_id"] == response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert line["user_id"] == staff_a.pk
    assert (line["method"], line["path"], line["status"]) == ("GET", "/distritos/131101/", 200)
    assert line["duration_ms"] >= 0 and line["logger"] == "ato.request" and line["time"]


def test_the_query_string_and_its_dni_never_reach_the_log(client, staff_a, lines):
    client.force_login(staff_a)
    response = client.get("/distritos/131101/jass/?dni=12345678&telefono=987654321&q=Quispe")
    assert response.status_code == 200
    (line,) = lines()
    assert line["path"] == "/distritos/131101/jass/"
    text = json.dumps(line)
    assert "dni" not in text and "12345678" not in text and "987654321" not in text
    assert "Quispe" not in text and "?" not in text
    fixed = {k: v for k, v in line.items() if k not in {"request_id", "time", "duration_ms"}}
    for digit_run in re.findall(r"\d{4,}", json.dumps(fixed)):  # no piece of the DNI either
        assert digit_run not in "12345678" and digit_run not in "987654321"


def test_a_dni_or_phone_in_a_path_is_masked(client, db, lines):
    client.get("/no-existe/12345678/987654321/")
    line, warning = sorted(lines(), key=lambda entry: entry["logger"])
    assert line["status"] == 404 and line["path"] == "/no-existe/########/#########/"
    assert line["user_id"] is None
    assert warning["logger"] == "django.request" and warning["request_id"] == line["request_id"]
    assert warning["message"] == "Not Found: /no-existe/########/#########/"
    assert request_id_var.get() is None  # cleared when the request finished


def test_an_incoming_request_id_is_kept_only_when_it_is_a_safe_token(client, db):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-4f1c2a9b-e1")
    assert kept["X-Request-ID"] == "proxy-4f1c2a9b-e1"
    for unsafe in ("12345678", "a" * 65, "short", "id con espacios", "x<script>x", "ab-9876543"):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=unsafe)["X-Request-ID"]
        assert answered != unsafe and re.fullmatch(r"[0-9a-f]{32}", answered)


def test_without_json_logs_there_is_no_request_line_but_the_id_is_returned(
    client, db, settings, caplog
):
    settings.ATO_JSON_LOGS = False
    caplog.set_level(logging.INFO)
    response = client.get("/healthz")
    assert response["X-Request-ID"]
    assert not [r for r in caplog.records if r.name == "ato.request"]


def test_an_error_line_carries_the_request_id_and_masks_numbers():
    token = request_id_var.set("abc12345xyz")
    try:
        record = logging.LogRecord("ato", logging.ERROR, __file__, 1, "DNI %s", ("12345678",), None)
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line == {
        "time": line["time"],
        "level": "ERROR",
        "logger": "ato",
        "message": "DNI ########",
        "request_id": "abc12345xyz",
    }


def test_request_id_from_accepts_uuids():
    value = "0b7c6c1e-2d4f-4a8e-9a71-3f3e0f4a2b1c"
    assert request_id_from(value) == value
    assert request_id_from(None) != request_id_from(None)
