"""Where browsers report Content-Security-Policy violations (the `report-uri` set with DEBUG on).

A violation means a page still carries something the policy forbids (an inline script, a style
attribute, a resource from another origin): the developer sees it in the runserver log."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("ato.csp")

MAX_REPORT_BYTES = 16 * 1024
_FIELD_CHARS = 300


def _field(report: dict, *names: str) -> str:
    for name in names:
        value = report.get(name)
        if value:
            return str(value)[:_FIELD_CHARS]
    return "-"


@csrf_exempt  # browsers send reports without a CSRF token
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log the violated directive and the blocked URI; answer 204 whatever was sent."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if 0 < length <= MAX_REPORT_BYTES:
        try:
            body = json.loads(request.read(MAX_REPORT_BYTES))
        except (ValueError, UnicodeDecodeError):
            body = None
        # `report-uri` sends {"csp-report": {...}}; the Reporting API sends a list of reports.
        reports = body if isinstance(body, list) else [body]
        for item in reports[:10]:
            if not isinstance(item, dict):
                continue
            report = item.get("csp-report") or item.get("body") or item
            if isinstance(report, dict):
                # %r: a report is the browser's text, never a line of our log of its own.
                logger.warning(
                    "CSP violation: %r blocked %r on %r",
                    _field(report, "violated-directive", "effectiveDirective"),
                    _field(report, "blocked-uri", "blockedURL"),
                    _field(report, "document-uri", "documentURL"),
                )
    return HttpResponse(status=204)
