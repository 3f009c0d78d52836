"""The login doors (the login page and `POST /api/v1/auth/token/`) share one guard:

- the client IP, read the same way by django-axes, the DRF throttles and the per-IP limit:
  `REMOTE_ADDR`, or an address of `X-Forwarded-For` written by one of our own trusted proxies
  (`ATO_TRUSTED_PROXY_COUNT`), never one the client chose;
- django-axes' lockout of a username and IP pair (`AXES_FAILURE_LIMIT` failures);
- a limit of failures from one IP whatever the usernames (`ATO_LOGIN_FAILURES_PER_IP`), against
  password spraying;
- one lockout answer: the Spanish page, or `{"detail"}` JSON under /api/, both 429.
"""

from __future__ import annotations

import ipaddress

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def client_ip(request: HttpRequest) -> str | None:
    """With N trusted proxies, each appends the address it received the request from to
    `X-Forwarded-For`, so the Nth address from the right was written by our outermost proxy:
    the client's. Everything to its left is the client's own say. With no proxy (the default)
    only `REMOTE_ADDR` counts. This is DRF's rule for `NUM_PROXIES` (set to the same number),
    plus a check that the result is an IP address."""
    remote_addr = request.META.get("REMOTE_ADDR") or None
    proxies = settings.ATO_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote_addr
    addresses = [a.strip() for a in forwarded.split(",")]
    candidate = addresses[-min(proxies, len(addresses))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def failures_from_ip(request: HttpRequest) -> int:
    """Failed logins from the request's IP within the cool-off period, over every username
    (django-axes records them; this adds them up across usernames)."""
    ip = client_ip(request)
    if ip is None:
        return 0
    since = timezone.now() - get_cool_off(request)
    total = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


class ClientIpFailureBackend:
    """An authentication backend that authenticates no one: it refuses every login (right
    password or not) from an IP with `ATO_LOGIN_FAILURES_PER_IP` failures in the cool-off period,
    the way django-axes' backend refuses a locked username. Listed after axes' backend, so both
    doors (they both call `authenticate` with the Django request) go through it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not settings.AXES_ENABLED:
            return None
        if failures_from_ip(request) >= settings.ATO_LOGIN_FAILURES_PER_IP:
            request.ato_ip_locked_out = True
            # django-axes' middleware answers with `lockout_response` for a flagged request.
            request.axes_locked_out = True
            raise PermissionDenied  # `authenticate` stops and reports a failed login
        return None

    # No `get_user`: this backend never signs anyone in (Django's test client and session
    # loading pick the first backend that has one).


def _minutes(request: HttpRequest) -> int:
    return max(1, round(get_cool_off(request).total_seconds() / 60))


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """django-axes' lockout answer (`AXES_LOCKOUT_CALLABLE`), for both doors: 429 with
    `Retry-After`, JSON `{"detail"}` under /api/, the Spanish page elsewhere."""
    minutes = _minutes(request)
    duration = ngettext("%(n)d minuto", "%(n)d minutos", minutes) % {"n": minutes}
    by_ip = getattr(request, "ato_ip_locked_out", False)
    if by_ip:
        message = _(
            "Hubo demasiados intentos fallidos de ingreso desde esta conexión. Por seguridad, "
            "el ingreso queda bloqueado durante %(duration)s."
        ) % {"duration": duration}
    else:
        message = _(
            "Hubo demasiados intentos fallidos de ingreso con este usuario. Por seguridad, el "
            "ingreso queda bloqueado durante %(duration)s."
        ) % {"duration": duration}
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
