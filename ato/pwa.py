"""The installable offline web app (issue 13, "Field work"): the web app manifest, the service
worker served at the root scope, and the field pages that work without signal: the visit form
(`/campo/visita/`), the outbox ("Por enviar", `/campo/por-enviar/`), the offline page, the
signed-in user's district reference data (`/campo/datos.json`) and the session probe the outbox
sender reads a fresh CSRF token from (`/campo/sesion.json`).

What is offline and how (README "Trabajo de campo sin señal"):
- The service worker (static/js/field/sw.js, with a config line written here) precaches the
  app shell: the static files in `SHELL_STATIC` and the offline page. Its cache name carries a
  digest of those files and of the worker itself, so any change installs a new worker and the
  old caches are deleted on activate.
- The pages' script (static/js/field/register.js) caches, for a signed-in ATM user, the URLs of
  `offline_urls(user)` (from `OFFLINE_PAGES`) in a cache named after the username; a different
  user signing in drops the previous user's cache, signing out drops one's own. The outbox
  (IndexedDB) is never dropped by either: another user's records are shown, not sent.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from jass_registry.models import Jass, JassStatus, WaterSystem
from territory.models import District
from visits.api import form_spec
from visits.models import Agreement, ChlorineReading, ReadingPoint, Topic, Visit, VisitKind

# The URL names the signed-in ATM user's device keeps for offline use (register.js caches them,
# the service worker answers them from that cache when the network fails). Another part of
# issue 13 adds its page here (the district map: `district_map` and its JSON). A name that does
# not resolve (not built yet) is skipped, so the list may name what is on its way.
OFFLINE_PAGES: list[str] = [
    "field_visit",
    "field_outbox",
    "field_offline",
    "field_data",
    "district_map",  # the district map and its points (ato/district_map.py)
    "district_map_data",
]

# The app shell: static files the service worker precaches for everyone (no user data in them).
SHELL_STATIC: list[str] = [
    "vendor/pico/pico.min.css",
    "css/ato.css",
    "css/field.css",
    "vendor/htmx/htmx.min.js",
    "js/ato.js",
    "js/field/register.js",
    "js/field/outbox.js",
    "js/field/form.js",
    "js/field/outbox_page.js",
    "img/bell.svg",
    "img/icon-192.png",
    "img/icon-512.png",
    "img/icon.svg",
    # The district map's own files (its data is mapa.json, in OFFLINE_PAGES).
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "css/district_map.css",
    "js/district_map.js",
]
SW_SOURCE = "js/field/sw.js"

# Bounds of the reference data: the district with the most JASS has 536 (national dataset).
MAX_JASS = 2000
MAX_SYSTEMS = 5000
MAX_STAFF = 500

FIELD_STAFF_ONLY = gettext_lazy(
    "El registro de visitas en campo es para el personal del ATM del distrito."
)


def offline_urls(user) -> list[str]:
    """The URLs of OFFLINE_PAGES this user's device keeps (none for a user without a district)."""
    if not (user.is_authenticated and user.is_atm):
        return []
    urls = []
    for name in OFFLINE_PAGES:
        for kwargs in ({}, {"ubigeo": user.district_id}):
            try:
                urls.append(reverse(name, kwargs=kwargs or None))
                break
            except NoReverseMatch:
                continue
    return urls


# --- the service worker and the manifest (public: no user data) ------------------------------


def _static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        return b""
    with open(found, "rb") as handle:
        return handle.read()


def _worker_source() -> str:
    """The worker: its config line (shell URLs, cache version) and static/js/field/sw.js."""
    source = _static_bytes(SW_SOURCE)
    digest = hashlib.sha256(source)
    for path in SHELL_STATIC:
        digest.update(path.encode())
        digest.update(_static_bytes(path))
    config = {
        "version": digest.hexdigest()[:12],
        "shell": [static(path) for path in SHELL_STATIC],
        "offline": reverse("field_offline"),
        "manifest": reverse("web_manifest"),
        "userCachePrefix": "ato-user:",
    }
    return f"self.ATO_SW = {json.dumps(config)};\n{source.decode()}"


_cached_worker = lru_cache(maxsize=1)(_worker_source)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js at the root, so its scope is the whole site. `no-cache`: the browser checks for a
    new worker on every navigation (it also does so by itself at least once a day)."""
    body = _worker_source() if settings.DEBUG else _cached_worker()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def web_manifest(request: HttpRequest) -> HttpResponse:
    manifest = {
        "name": _("ATO · Áreas Técnicas Municipales"),
        "short_name": "ATO",
        "description": _("Registro de visitas a las JASS, también sin señal."),
        "lang": "es-PE",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
        "shortcuts": [{"name": _("Registrar visita"), "url": reverse("field_visit")}],
    }
    response = HttpResponse(
        json.dumps(manifest, ensure_ascii=False), content_type="application/manifest+json"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


THEME_COLOR = "#01579b"


# --- the field pages ---------------------------------------------------------------------------


def _require_field_staff(user) -> None:
    if not user.is_atm:
        raise PermissionDenied(FIELD_STAFF_ONLY)


def _field_text() -> dict[str, str]:
    """Every sentence the field scripts show, translated here (the scripts hold no Spanish).
    The sentences of the visit's rules are not here: they come with the form spec."""
    return {
        "saved_offline": _("Guardada en este teléfono: se enviará cuando vuelva la señal."),
        "sent": _("Visita enviada."),
        "see_visit": _("Ver la visita"),
        "sending": _("Enviando…"),
        "sign_in": _("Inicie sesión para enviar: los registros siguen guardados en este teléfono."),
        "no_data": _(
            "Este teléfono aún no tiene los datos del distrito: abra esta página una vez con señal."
        ),
        # The rules' own sentences come from visits.api.form_spec (the services' MESSAGES);
        # these few are the form's, for checks the spec names no sentence for.
        "too_long": _("tiene como máximo %(n)s caracteres."),
        "reading_title": _("Medición %(n)d"),
        "agreement_title": _("Acuerdo %(n)d"),
        "cash_negative": _("El saldo en caja no puede ser negativo."),
        "fix_errors": _("Revise los datos marcados."),
        "state_pending": _("Por enviar"),
        "state_conflict": _("En conflicto"),
        "state_rejected": _("Rechazada"),
        "state_other_user": _("De otro usuario"),
        "readings_count": _("Mediciones"),
        "agreements_count": _("Acuerdos"),
        "with_acta": _("Con acta"),
        "conflict_help": _(
            "Ya existe en el servidor una visita con este identificador y otro contenido. "
            "Compare y elija."
        ),
        "yours": _("La suya (en este teléfono)"),
        "stored": _("La del servidor"),
        "keep_server": _("Conservar la del servidor"),
        "send_as_new": _("Enviar la mía como visita nueva"),
        "edit": _("Corregir en el formulario"),
        "discard": _("Descartar"),
        "discard_confirm": _(
            "¿Descartar este registro? Se borra de este teléfono y no se enviará."
        ),
        "keep_server_confirm": _(
            "¿Conservar la visita del servidor? La versión de este teléfono se borra."
        ),
        "empty": _("No hay visitas por enviar en este teléfono."),
        "sent_log": _("Enviadas desde este teléfono"),
        "network_error": _("Sin conexión: se intentará de nuevo."),
        "server_error": _("El servidor no respondió bien: se intentará de nuevo."),
        "acta_rejected": _("La visita se envió, pero el acta fue rechazada:"),
        "offline_badge": _("Sin conexión"),
        "remove_row": _("Quitar"),
        "loaded_for_edit": _("Registro abierto para corregir: al guardar reemplaza al anterior."),
    }


def _choices(choices) -> list[dict[str, str]]:
    return [{"value": value, "label": str(label)} for value, label in choices]


@require_GET
@login_required
def field_visit(request: HttpRequest) -> HttpResponse:
    """The visit form that works offline. Rendered without the district's data (the script
    fills the JASS and systems from /campo/datos.json, cached on the phone), so the cached copy
    is the same page whatever JASS is preselected (`?jass=<id>` is read by the script)."""
    _require_field_staff(request.user)
    context = {
        "labels": _labels(),
        "kinds": _choices(VisitKind.choices),
        "topics": _choices(Topic.choices),
        "points": _choices(ReadingPoint.choices),
        "field_text": _field_text(),
        # The limits, choices and sentences of the server's rules, in the page itself: the
        # copy kept on the phone checks as the server does, with no second request.
        "spec": form_spec(),
        "urls": _field_urls(),
    }
    return render(request, "field/visit_form.html", context)


def _labels() -> dict[str, str]:
    """The form's labels: the models' own names (one translation for the web and the phone)."""
    visit, reading, agreement = (Visit._meta, ChlorineReading._meta, Agreement._meta)
    fields = {
        "jass": visit.get_field("jass"),
        "date": visit.get_field("date"),
        "kind": visit.get_field("kind"),
        "topics": visit.get_field("topics"),
        "findings": visit.get_field("findings"),
        "attendees": visit.get_field("attendees"),
        "finances_reviewed": visit.get_field("finances_reviewed"),
        "cash_balance": visit.get_field("cash_balance"),
        "water_system": reading.get_field("water_system"),
        "point": reading.get_field("point"),
        "mg_per_l": reading.get_field("mg_per_l"),
        "task": agreement.get_field("task"),
        "responsible": agreement.get_field("responsible"),
        "due_on": agreement.get_field("due_on"),
        "done_on": agreement.get_field("done_on"),
    }
    return {key: capfirst(field.verbose_name) for key, field in fields.items()}


def _field_urls() -> dict[str, str]:
    urls = {
        "data": reverse("field_data"),
        "session": reverse("field_session"),
        "outbox": reverse("field_outbox"),
        "form": reverse("field_visit"),
        "visits_api": "/api/v1/visits/",
        # The visit page's address with 0 for the id (the script puts the stored visit's id).
        "visit_page": reverse("visits:detail", kwargs={"pk": 1}).rsplit("1/", 1)[0] + "0/",
    }
    return urls


@require_GET
@login_required
def field_outbox(request: HttpRequest) -> HttpResponse:
    """What this phone holds to send (read by the script from IndexedDB). Any signed-in user
    opens it: a shared phone shows another user's waiting records (marked, never sent by
    someone else), so that nobody clears the browser's data while it is not empty."""
    text = _field_text()
    text["labels"] = _labels()
    text["kinds"] = {value: str(label) for value, label in VisitKind.choices}
    text["points"] = {value: str(label) for value, label in ReadingPoint.choices}
    return render(request, "field/outbox.html", {"field_text": text, "urls": _field_urls()})


@require_GET
def field_offline(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows for a page that is not kept on the phone."""
    return render(request, "field/offline.html")


def _json_refusal(request: HttpRequest) -> JsonResponse | None:
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Inicie sesión.")}, status=403)
    if not request.user.is_atm:
        return JsonResponse({"detail": str(FIELD_STAFF_ONLY)}, status=403)
    return None


@never_cache
@require_GET
def field_session(request: HttpRequest) -> JsonResponse:
    """Who is signed in and a CSRF token for the outbox sender, and the URLs this user's phone
    keeps offline. Anonymous: 403 (the sender keeps its records and asks to sign in)."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Inicie sesión."), "username": None}, status=403)
    user = request.user
    return JsonResponse(
        {
            "username": user.username,
            "csrf_token": get_token(request),
            "is_atm": user.is_atm,
            "district": user.district_id,
            "offline_urls": offline_urls(user),
        }
    )


@require_GET
def field_data(request: HttpRequest) -> JsonResponse:
    """The signed-in ATM user's own district, as the offline form needs it: its JASS that are
    not dissolved, their water systems in service and the district's staff. Always the user's
    own district (nothing to choose, so no other district is reachable); other roles 403.
    Four queries beyond the session's, whatever the district's size; bounded by MAX_*."""
    refusal = _json_refusal(request)
    if refusal:
        return refusal
    user = request.user
    district = District.objects.only("ubigeo", "name").get(pk=user.district_id)
    jass = list(
        Jass.objects.filter(district_id=district.pk)
        .exclude(status=JassStatus.DISSOLVED)
        .order_by("name", "id")
        .values("id", "name", "registry_number", "communities", "status")[:MAX_JASS]
    )
    systems = list(
        WaterSystem.objects.filter(jass__district_id=district.pk, retired_on__isnull=True)
        .exclude(jass__status=JassStatus.DISSOLVED)
        .order_by("jass_id", "name", "id")
        .values("id", "name", "jass_id")[:MAX_SYSTEMS]
    )
    staff = [
        {
            "id": row["id"],
            "name": f"{row['first_name']} {row['last_name']}".strip() or row["username"],
        }
        for row in get_user_model()
        .objects.filter(district_id=district.pk, is_active=True)
        .order_by("first_name", "last_name", "id")
        .values("id", "username", "first_name", "last_name")[:MAX_STAFF]
    ]
    return JsonResponse(
        {
            "generated_at": timezone.now().isoformat(),
            "username": user.username,
            "district": {"ubigeo": district.pk, "name": district.name},
            "jass": jass,
            "water_systems": [
                {"id": s["id"], "name": s["name"], "jass": s["jass_id"]} for s in systems
            ],
            "staff": staff,
        }
    )
