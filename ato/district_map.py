"""The district on a map (issue 13, part 5): its JASS and water systems as points coloured by
their risk signals, over the district's outline, with no tile server.

The outline is the district's feature of static/geo/districts.json (INEI 2007 limits via MINAM,
MPL-2.0; see NOTICE and scripts/build_geo.py); the 67 districts without a polygon there are a
point at their capital, drawn as a circle and said so on the page. The points are the
district's own data: only its ATM staff and the reviewers read them (`district_for_read`,
another district answers 404), and a JASS or system without coordinates is listed beside the
map with a link to complete it, never dropped silently.

Signals: a JASS's are the registry's (`jass_registry.risk`, the rules the district page shows);
a water system's are its chlorine in the network (the rule of the JASS's chlorine signal,
`visits/chlorine.py`) and its condition (poor or not working). Levels: none, one, two or more
(and "inactive" for a JASS that is not active, which raises no signal). The page and its JSON
are in the offline pages of the signed-in ATM user (ato/pwa.py `OFFLINE_PAGES`): the map needs
nothing but its static files and `mapa.json`.

It lives in the project package because it reads several apps (territory, the registry and
visits' chlorine rule).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jass_registry.models import Condition, Jass, JassStatus, WaterSystem
from jass_registry.risk import Signal, signal_codes
from jass_registry.standards import ADEQUATE_CHLORINE_MG_L, CHLORINE_WINDOW_DAYS
from territory.access import district_for_read
from visits.chlorine import is_adequate

# Bounds of what one district sends: the district with the most JASS has 536 and some 1,100
# systems; beyond these the JSON says it was cut (`truncated`) rather than grow without end.
MAX_JASS_POINTS = 2_000
MAX_SYSTEM_POINTS = 4_000
# JASS or systems without coordinates listed on the page (the count says how many in all).
MISSING_SHOWN = 100
# A JASS's level by how many signals fire; systems use the same scale.
LEVELS = ("ok", "one", "many")
POOR_CONDITIONS = (Condition.POOR, Condition.NOT_WORKING)
ID_PLACEHOLDER = 999_999_999  # reversed once, then replaced by each row's id


@lru_cache(maxsize=1)
def _outlines() -> dict[str, dict]:
    """Each district's feature of static/geo/districts.json by ubigeo, read once per process
    (720 KB, some 40 ms): a request copies out one district's outline."""
    path = finders.find("geo/districts.json")
    with open(path, encoding="utf-8") as handle:
        collection = json.load(handle)
    return {f["properties"]["code"]: f for f in collection["features"]}


def outline_of(district) -> dict:
    """The district's outline as a GeoJSON Feature, and whether it is a polygon.

    A district without a polygon (created after 2007, or a null geometry in the source) is the
    point of its capital: territory's coordinates when known, else the fallback point
    scripts/build_geo.py placed (its province's capital or centre)."""
    feature = _outlines().get(district.ubigeo)
    geometry = feature["geometry"] if feature else None
    if geometry and geometry["type"] in ("Polygon", "MultiPolygon"):
        return {"type": "Feature", "properties": {"kind": "polygon"}, "geometry": geometry}
    if district.latitude is not None and district.longitude is not None:
        point = [float(district.longitude), float(district.latitude)]
        kind = "capital"
    elif geometry:
        point = geometry["coordinates"]
        kind = feature["properties"].get("point", "capital")
    else:  # never in the fixture (every district is in districts.json); no outline at all
        return {"type": "Feature", "properties": {"kind": "none"}, "geometry": None}
    return {
        "type": "Feature",
        "properties": {"kind": kind},
        "geometry": {"type": "Point", "coordinates": point},
    }


def _url_maker(name: str):
    template = reverse(name, args=[ID_PLACEHOLDER])
    return lambda pk: template.replace(str(ID_PLACEHOLDER), str(pk))


def _d(day: dt.date | None) -> str:
    return date_format(day, "d/m/Y") if day else "—"


def _level(count: int) -> str:
    return LEVELS[min(count, 2)]


# --- the points ----------------------------------------------------------------------------


def _jass_points(district, today: dt.date) -> tuple[list[dict], bool]:
    """The district's JASS with coordinates (a dissolved one is a closed record: left off) and
    their signals, in one query (`with_risk(flags=False)`: the four facts, the signals decided
    row by row by the same rules as the district page)."""
    rows = list(
        Jass.objects.in_district(district)
        .exclude(status=JassStatus.DISSOLVED)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .with_risk(today, flags=False)
        .order_by("name", "pk")[: MAX_JASS_POINTS + 1]
    )
    url = _url_maker("jass_registry:detail")
    points = []
    for jass in rows[:MAX_JASS_POINTS]:
        codes = signal_codes(jass)
        active = jass.status == JassStatus.ACTIVE
        points.append(
            {
                "id": jass.pk,
                "name": jass.name,
                "lat": float(jass.latitude),
                "lon": float(jass.longitude),
                "level": _level(len(codes)) if active else "inactive",
                "status": jass.status,
                "signals": codes,  # their words are in the JSON's `labels`, once
                "url": url(jass.pk),
            }
        )
    return points, len(rows) > MAX_JASS_POINTS


def _system_signals(system: dict, today: dt.date) -> list[str]:
    """A system's signals in words: its chlorine in the network (the JASS signal's rule: the
    deciding reading within the window and at least the standard) and a poor condition."""
    signals = []
    window = today - dt.timedelta(days=CHLORINE_WINDOW_DAYS)
    day, mg_l = system["network_reading_on"], system["network_reading_mg_l"]
    adequate_mg = number_format(ADEQUATE_CHLORINE_MG_L, 1)
    if day is None or day < window:
        signals.append(
            _("%(signal)s: sin medición en la red en %(days)d días")
            % {
                "signal": Signal.CHLORINE.label,
                "days": CHLORINE_WINDOW_DAYS,
            }
        )
    elif not is_adequate(mg_l):
        signals.append(
            _("%(signal)s: %(value)s mg/L el %(date)s (menos de %(adequate)s)")
            % {
                "signal": Signal.CHLORINE.label,
                "value": number_format(mg_l, 2),
                "date": _d(day),
                "adequate": adequate_mg,
            }
        )
    if system["condition"] in POOR_CONDITIONS:
        signals.append(
            _("Estado: %(condition)s") % {"condition": Condition(system["condition"]).label}
        )
    return signals


def _system_points(district, today: dt.date) -> tuple[list[dict], bool]:
    """The district's water systems in service with coordinates, in one query."""
    rows = list(
        WaterSystem.objects.filter(
            jass__district=district,
            retired_on__isnull=True,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .exclude(jass__status=JassStatus.DISSOLVED)
        .order_by("name", "pk")
        .values(
            "pk",
            "name",
            "latitude",
            "longitude",
            "condition",
            "network_reading_on",
            "network_reading_mg_l",
            "jass_id",
            "jass__name",
            "jass__status",
        )[: MAX_SYSTEM_POINTS + 1]
    )
    jass_url = _url_maker("jass_registry:detail")
    chart_url = _url_maker("visits:chlorine_chart")
    points = []
    for system in rows[:MAX_SYSTEM_POINTS]:
        signals = _system_signals(system, today)
        active = system["jass__status"] == JassStatus.ACTIVE
        points.append(
            {
                "id": system["pk"],
                "name": system["name"],
                "jass": system["jass__name"],
                "lat": float(system["latitude"]),
                "lon": float(system["longitude"]),
                "level": _level(len(signals)) if active else "inactive",
                "signals": signals,
                "url": jass_url(system["jass_id"]),
                "chart_url": chart_url(system["pk"]),
            }
        )
    return points, len(rows) > MAX_SYSTEM_POINTS


# --- the page and its JSON -----------------------------------------------------------------


@login_required
@require_GET
def district_map_data(request: HttpRequest, ubigeo: str) -> JsonResponse:
    """`mapa.json`: the district's outline and its points. Queries: the session and the user,
    the district, the JASS (with their signals' facts), the systems: the same for 1 JASS or 500.
    """
    district = district_for_read(request.user, ubigeo)
    today = timezone.localdate()
    jass, jass_cut = _jass_points(district, today)
    systems, systems_cut = _system_points(district, today)
    return JsonResponse(
        {
            "district": {"ubigeo": district.ubigeo, "name": district.name},
            "today": today.isoformat(),
            "outline": outline_of(district),
            # The words of the JASS's signal and status codes, once for every point.
            "labels": {
                "signals": {code: str(label) for code, label in Signal.choices},
                "statuses": {code: str(label) for code, label in JassStatus.choices},
            },
            "jass": jass,
            "systems": systems,
            "truncated": {"jass": jass_cut, "systems": systems_cut},
        },
        # Spanish words as UTF-8, not \u escapes: a district's points are some 200 KB.
        json_dumps_params={"ensure_ascii": False},
    )


def _missing_coordinates(district, *, is_own: bool) -> dict:
    """The JASS and systems the map cannot place, first MISSING_SHOWN of each with the link
    that completes them (the edit form for the district's staff, the JASS page for a
    reviewer), and how many in all."""
    no_point = Q(latitude__isnull=True) | Q(longitude__isnull=True)
    jass_missing = (
        Jass.objects.in_district(district).exclude(status=JassStatus.DISSOLVED).filter(no_point)
    )
    systems_missing = (
        WaterSystem.objects.filter(jass__district=district, retired_on__isnull=True)
        .exclude(jass__status=JassStatus.DISSOLVED)
        .filter(no_point)
    )
    jass_rows = list(jass_missing.order_by("name", "pk").values("pk", "name")[:MISSING_SHOWN])
    system_rows = list(
        systems_missing.order_by("name", "pk").values("pk", "name", "jass_id", "jass__name")[
            :MISSING_SHOWN
        ]
    )
    edit_jass = _url_maker("jass_registry:edit" if is_own else "jass_registry:detail")
    edit_system = _url_maker("jass_registry:system_edit")
    open_jass = _url_maker("jass_registry:detail")
    for row in jass_rows:
        row["url"] = edit_jass(row["pk"])
    for row in system_rows:
        row["url"] = edit_system(row["pk"]) if is_own else open_jass(row["jass_id"])
    return {
        "jass": jass_rows,
        "jass_total": jass_missing.count() if len(jass_rows) == MISSING_SHOWN else len(jass_rows),
        "systems": system_rows,
        "systems_total": (
            systems_missing.count() if len(system_rows) == MISSING_SHOWN else len(system_rows)
        ),
    }


@login_required
@require_GET
def district_map(request: HttpRequest, ubigeo: str) -> HttpResponse:
    """The map page: the map (drawn by static/js/district_map.js from `mapa.json`), its
    legend, and the JASS and systems without coordinates below it."""
    district = district_for_read(request.user, ubigeo)
    is_own = request.user.is_staff_of(district.ubigeo)
    return render(
        request,
        "ato/district_map.html",
        {
            "district": district,
            "outline_kind": outline_of(district)["properties"]["kind"],
            "missing": _missing_coordinates(district, is_own=is_own),
            "is_own": is_own,
            "max_shown": MISSING_SHOWN,
        },
    )
