"""Request ids and optional JSON logs (ATO_JSON_LOGS=1; README, "Operación").

Every response carries `X-Request-ID`; every log record written while a request is handled
carries the same id (`RequestIdFilter`), so an operator can follow one request across lines.
With ATO_JSON_LOGS=1 the console prints one JSON object per line, and one line per request:
time, request id, user id, method, path, status and duration.

Never in a log line: DNI, phone, or a query string (filters carry DNI and names). The path is
logged without its query string and with any run of 8 or more digits masked (a DNI has 8, a
phone 9; ATO's own ids, ubigeos and years are shorter), and so is the message of every JSON line.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.utils.functional import empty

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "ato_request_id", default=None
)
request_logger = logging.getLogger("ato.request")

# An incoming id (from the proxy) is kept only when it is a short token of safe characters that
# cannot be personal data: no run of 7+ digits. Anything else gets a new uuid.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_DIGIT_RUN = re.compile(r"\d{7,}")
_LONG_NUMBER = re.compile(r"\d{8,}")
_FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")


def mask_numbers(text: str) -> str:
    """Hide runs of 8+ digits (a DNI, a phone) in a logged text."""
    return _LONG_NUMBER.sub(lambda m: "#" * len(m.group()), text)


def request_id_from(header: str | None) -> str:
    if header and _SAFE_ID.match(header) and not _DIGIT_RUN.search(header):
        return header
    return uuid.uuid4().hex


def _user_id(request) -> int | None:
    """The user's id only when something already looked the user up: the log never adds a
    session or token query of its own (query counts stay what the views say)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        # Cleared on `request_finished`, not on return: Django logs a 4xx/5xx ("Not Found: ...")
        # after the middleware chain has returned, and that line must carry the id too.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        if settings.ATO_JSON_LOGS:
            # A streamed export is timed to its first byte: the rest flows after this.
            request_logger.info(
                "request",
                extra={
                    "user_id": _user_id(request),
                    "method": request.method,
                    "path": mask_numbers(request.path),
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
        return response


@receiver(request_finished, dispatch_uid="ato.logging.clear_request_id")
def _clear_request_id(**kwargs) -> None:
    request_id_var.set(None)


class RequestIdFilter(logging.Filter):
    """Stamp the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the request
    fields when present, and the traceback of an error."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_numbers(record.getMessage()),
        }
        for name in _FIELDS:
            # A request line has them all (user_id null when anonymous); other lines only the id.
            if hasattr(record, name) and (name != "request_id" or record.request_id):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["error"] = mask_numbers(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)
