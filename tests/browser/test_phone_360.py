"""Every page an ATM user opens, on a 360 × 740 phone: no sideways page scroll, and the page's
buttons on screen and at least 44 px tall (issue 13, "Phone first").

The pages come from the URL resolver: `test_every_html_route_is_covered` fails when a route
appears that is neither opened here (ATM_PAGES, REVIEWER_PAGES, ANON_PAGES) nor excluded with a
reason (EXCLUDED), the way tests/test_tenant_matrix.py fails on an unlisted route. A new HTML
page goes into ATM_PAGES with its path, its objects named as {placeholders} of `district_objects`.

Each page is saved as a screenshot in test-artifacts/screenshots/ (test_phone_360_*)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from .helpers import log_in, url

CASCAS, LUCMA = "131101", "131102"
PHONE = {"width": 360, "height": 740}
MIN_TOUCH_PX = 44

# Pages of an ATM user's own district; {…} are filled from `district_objects` (its demo data).
ATM_PAGES: dict[str, list[str]] = {
    "home": ["/"],  # redirects to the user's district
    "district": ["/distritos/{ubigeo}/"],
    "everyone_forever": ["/distritos/{ubigeo}/todos-por-siempre/"],
    "territory:office": ["/distritos/{ubigeo}/atm/"],
    "territory:office_edit": ["/distritos/{ubigeo}/atm/editar/"],
    "territory:account": ["/cuenta/"],
    "territory:notifications": ["/notificaciones/"],
    "jass_registry:list": ["/distritos/{ubigeo}/jass/"],
    "jass_registry:create": ["/distritos/{ubigeo}/jass/nueva/"],
    "jass_registry:import": ["/distritos/{ubigeo}/jass/importar/"],
    "jass_registry:detail": ["/jass/{jass}/"],
    "jass_registry:edit": ["/jass/{jass}/editar/"],
    "jass_registry:dissolve": ["/jass/{jass}/disolver/"],
    "jass_registry:system_create": ["/jass/{jass}/sistemas/nuevo/"],
    "jass_registry:board_start": ["/jass/{jass}/directiva/nueva/"],
    "jass_registry:system_edit": ["/sistemas/{system}/editar/"],
    "jass_registry:system_retire": ["/sistemas/{system}/baja/"],
    "visits:list": ["/distritos/{ubigeo}/visitas/"],
    "visits:create": [
        "/distritos/{ubigeo}/visitas/nueva/",
        "/distritos/{ubigeo}/visitas/nueva/?jass={jass}",
    ],
    "visits:agreements": ["/distritos/{ubigeo}/acuerdos/"],
    "visits:work_plan": ["/distritos/{ubigeo}/plan/{year}/"],
    "visits:work_plan_progress": ["/distritos/{ubigeo}/plan/{year}/avance/"],
    "visits:detail": ["/visitas/{visit}/"],
    "visits:edit": ["/visitas/{visit}/editar/"],
    "visits:void": ["/visitas/{visit}/anular/"],
    "visits:acta": ["/visitas/{visit}/acta/"],
    "visits:chlorine_chart": ["/sistemas/{system}/cloro/"],
    "visits:jass_timeline": ["/jass/{jass}/visitas/"],
    "communities:list": ["/distritos/{ubigeo}/centros-poblados/"],
    "communities:unserved": ["/distritos/{ubigeo}/centros-poblados/sin-servicio/"],
    "communities:create": ["/distritos/{ubigeo}/centros-poblados/nuevo/"],
    "communities:import": ["/distritos/{ubigeo}/centros-poblados/importar/"],
    "communities:detail": ["/centros-poblados/{centre}/"],
    "communities:edit": ["/centros-poblados/{centre}/editar/"],
    "communities:retire": ["/centros-poblados/{centre}/baja/"],
    "communities:service_add": ["/centros-poblados/{centre}/servicios/nuevo/"],
    "communities:service_end": ["/servicios-de-agua/{centre_service}/terminar/"],
    "incentives:goals": ["/metas/"],
    "incentives:goal": ["/metas/2017-M35/"],
    "incentives:run": ["/evaluaciones/{run}/"],
    "incentives:run_progress": ["/evaluaciones/{run}/progreso/"],
    "incentives:result": ["/evaluaciones/{run}/distritos/{ubigeo}/"],
    "incentives:evidence": ["/distritos/{ubigeo}/evidencias/"],
    "service_grades:visit": ["/visitas/{assessed_visit}/evaluacion/"],
    "service_grades:assess": ["/visitas/{assessed_visit}/evaluacion/sistemas/{assessed_system}/"],
    "service_grades:system": ["/sistemas/{system}/servicio/"],
    "service_grades:jass": ["/jass/{jass}/servicio/"],
    "service_grades:district": ["/distritos/{ubigeo}/niveles-de-servicio/"],
    "district_map": ["/distritos/{ubigeo}/mapa/"],
    "visits:schedule": ["/distritos/{ubigeo}/agenda/"],
    "visits:schedule_month": ["/distritos/{ubigeo}/agenda/{year}/{month}/"],
    "visits:schedule_create": ["/distritos/{ubigeo}/agenda/nueva/"],
    "visits:schedule_detail": ["/agenda/{scheduled}/"],
    "visits:schedule_edit": ["/agenda/{scheduled}/editar/"],
    "visits:schedule_cancel": ["/agenda/{scheduled}/cancelar/"],
    "visits:my_week": ["/mi-semana/"],
    # The offline field app's pages (served online here; offline they come from the worker).
    "field_visit": ["/campo/visita/"],
    "field_outbox": ["/campo/por-enviar/"],
    "field_offline": ["/campo/sin-conexion/"],
}

# Pages only reviewers open (an ATM user gets 403 there).
REVIEWER_PAGES: dict[str, list[str]] = {
    "district_list": ["/distritos/"],
    "incentives:evidence_queue": ["/evidencias/?status=submitted"],
    "everyone_forever_national": ["/todos-por-siempre/"],
    "service_grades:national": ["/niveles-de-servicio/"],
    "service_grades:run": ["/niveles-de-servicio/calculos/{grade_run}/"],
    # --- issue 14: activity and weekly digest ---
    # The ATM head's and the reviewers' (other ATM staff get 403, so not in ATM_PAGES, which
    # Lucma's staff open too); the head sees the same table with DNI unmasked.
    "district_activity": ["/distritos/{ubigeo}/actividad/"],
}

# --- issue 14: personal data (Ley 29733) ---
# Pages only the district's ATM head opens (its other staff and reviewers get 403): opened in
# the head's test only. The person's file (POST) is measured in test_personal_data_phone.py.
HEAD_PAGES: dict[str, list[str]] = {
    "jass_registry:personal_data": ["/distritos/{ubigeo}/datos-personales/"],
    "jass_registry:member_rectify": ["/miembros/{member}/rectificar/"],
}

# Pages anyone opens signed out.
ANON_PAGES: dict[str, list[str]] = {
    "login": ["/cuenta/ingresar/"],
    "public_district": ["/publico/distritos/{ubigeo}/"],
}

# Routes that are no HTML page to open with GET, each with why.
EXCLUDED: dict[str, str] = {
    "healthz": "plain-text probe",
    "csp_report": "POST endpoint for browsers' CSP reports",
    "logout": "POST only",
    "set_language": "POST only",
    "district_export": "CSV download",
    "territory:token_revoke": "POST only",
    "territory:notifications_read": "POST only",
    "territory:notification_open": "POST only (redirects to the notified page)",
    "jass_registry:export": "CSV/XLSX download",
    "jass_registry:template": "CSV/XLSX download",
    "visits:export": "CSV/XLSX download",
    "visits:agreement_done": "POST only",
    "communities:export": "CSV/XLSX download",
    "communities:template": "CSV/XLSX download",
    "incentives:goal_export": "CSV/XLSX download",
    "incentives:goal_map": "JSON for the goal map",
    "incentives:run_export": "CSV/XLSX download",
    "incentives:evidence_queue_export": "CSV/XLSX download",
    "incentives:evidence_file": "the uploaded file itself",
    "incentives:evidence_review": "POST only",
    "service_grades:district_export": "CSV/XLSX download",
    "district_map_data": "JSON for the district map",
    "visits:schedule_export": "CSV/XLSX download",
    "visits:agreement_note": "POST only",
    "visits:attachment": "the uploaded acta itself",
    "visits:attachment_add": "POST only",
    "visits:attachment_remove": "POST only",
    "web_manifest": "the web app manifest (JSON)",
    "service_worker": "the service worker (JavaScript)",
    "field_data": "JSON: the district's reference data for the offline app",
    "field_session": "JSON: who is signed in, for the offline app",
    # --- issue 14: activity and weekly digest ---
    "district_activity_export": "CSV/XLSX download",
    "territory:digest_preference": "POST only (the checkbox in Mi cuenta)",
    # --- issue 14: personal data (Ley 29733) ---
    "jass_registry:personal_data_export": "POST only: the person's file as CSV/XLSX",
}
API_PREFIX = "/api/"  # the REST API, its schema and Swagger UI, by path (not pages ATM users open)


def route_patterns(patterns=None, namespace: str = "", prefix: str = "") -> dict[str, str]:
    """{route name: its path pattern} of every route but the admin's."""
    found = {}
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            if ns == "admin":
                continue
            inner = f"{namespace}:{ns}".strip(":") if ns else namespace
            found |= route_patterns(p.url_patterns, inner, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            name = p.name or f"<unnamed {p.pattern}>"
            found[f"{namespace}:{name}" if namespace else name] = prefix + str(p.pattern)
    return found


def test_every_html_route_is_covered():
    """A new page fails here until it is opened at 360 px (or excluded with a reason)."""
    routes = {
        name
        for name, pattern in route_patterns().items()
        if not pattern.lstrip("^").startswith(API_PREFIX.lstrip("/"))
    }
    listed = set(ATM_PAGES) | set(HEAD_PAGES) | set(REVIEWER_PAGES) | set(ANON_PAGES)
    listed |= set(EXCLUDED)
    assert routes - listed == set(), "new routes: open them in ATM_PAGES (or say why not)"
    assert listed - routes == set(), "listed routes that no longer exist"


# --- The phone -----------------------------------------------------------------------------

# What does not fit, measured in the page:
# - scroll: the document's width (more than the window's is sideways page scroll);
# - inner: boxes in <main> that scroll sideways inside (a wide table in div.overflow-auto: its
#   columns or buttons hide off screen; a table on a phone stacks its rows, table.stack);
# - outside / small: buttons of <main>, the header's links and controls, the pagination's links
#   that leave the window or are shorter than a finger (MIN_TOUCH_PX).
MEASURE = """(min) => {
  const width = window.innerWidth;
  const out = {
    scroll: document.documentElement.scrollWidth, width, inner: [], outside: [], small: [],
  };
  for (const el of document.querySelectorAll("main *")) {
    const overflow = getComputedStyle(el).overflowX;
    if (el.scrollWidth > el.clientWidth + 1 && (overflow === "auto" || overflow === "scroll")) {
      const what = `${el.tagName.toLowerCase()}.${el.className}`;
      out.inner.push(`${what} (${el.scrollWidth} > ${el.clientWidth})`);
    }
  }
  const selector = "body > header a, body > header button, body > header select, "
    + "main button, main a[role=button], main input[type=submit], .pagination a";
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility()) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const name = (el.innerText || el.value || el.getAttribute("aria-label") || el.tagName).trim();
    if (box.left < -0.5 || box.right > width + 0.5) {
      out.outside.push(`${name} (${Math.round(box.left)}–${Math.round(box.right)})`);
    }
    if (box.height < min - 0.5) out.small.push(`${name} (${Math.round(box.height)} px)`);
  }
  return out;
}"""


def district_objects(ubigeo: str, username: str) -> dict:
    """The demo's objects of one district that the pages' paths name, and a few the demo does
    not hold (an open agreement, a notification, an evidence item, a goal's run)."""
    from communities.models import CentreService, PopulatedCentre
    from incentives import services as incentive_services
    from incentives.models import EvaluationRun, Goal
    from jass_registry.models import BoardMember, Jass, JassStatus
    from service_grades.models import GradeRun, ServiceAssessment
    from territory.models import DistrictCategory, Notification, User
    from tests.factories import atm_ordinance_evidence
    from visits.models import Agreement, ScheduledVisit, Visit

    user = User.objects.get(username=username)
    jass = (
        Jass.objects.filter(district_id=ubigeo)
        .exclude(status=JassStatus.DISSOLVED)
        .filter(water_systems__isnull=False, visits__isnull=False)
        .order_by("pk")
        .first()
    )
    visit = Visit.objects.valid().filter(jass=jass).order_by("-date", "-pk").first()
    if not Agreement.objects.filter(visit=visit, done_on__isnull=True).exists():
        Agreement.objects.create(
            visit=visit, task="Limpiar el reservorio", responsible="Operador", due_on=visit.date
        )
    assessment = (
        ServiceAssessment.objects.filter(visit__jass__district_id=ubigeo).order_by("pk").first()
    )
    centre_service = (
        CentreService.objects.filter(centre__district_id=ubigeo, ended_on__isnull=True)
        .order_by("pk")
        .first()
    )
    Notification.objects.create(
        user=user, kind="evidence_returned", message="Evidencia observada", url="/"
    )
    if not Goal.objects.exists():
        from incentives.catalogue import seed_goals

        seed_goals()
    atm_ordinance_evidence(district_id=ubigeo, uploaded_by=user)
    DistrictCategory.objects.update_or_create(
        district_id=ubigeo, year=2017, defaults={"category": "C"}
    )
    run = EvaluationRun.objects.filter(goal__code="2017-M35").first()
    if run is None:
        run = EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 1, 31), kind="official"
        )
        for chunk in incentive_services.run_split(run.pk):
            incentive_services.chunk_evaluate(run.pk, chunk)
    today = timezone.localdate()
    scheduled = ScheduledVisit.objects.create(
        jass=jass,
        date=today + dt.timedelta(days=2),
        staff=user,
        kind=visit.kind,
        purpose="Revisar la cloración",
        created_by=user,
    )
    return {
        "ubigeo": ubigeo,
        "year": today.year,
        "month": today.month,
        "scheduled": scheduled.pk,
        "jass": jass.pk,
        "system": jass.water_systems.order_by("pk").first().pk,
        "visit": visit.pk,
        "assessed_visit": assessment.visit_id,
        "assessed_system": assessment.water_system_id,
        "centre": PopulatedCentre.objects.filter(district_id=ubigeo).order_by("code").first().code,
        "centre_service": centre_service.pk,
        "run": run.pk,
        "grade_run": GradeRun.objects.get_or_create(quarter=dt.date(2026, 10, 1))[0].pk,
        "member": BoardMember.objects.filter(term__jass=jass).order_by("pk").first().pk,
    }


# The offline app's script (static/js/field/register.js, on every page of base.html) keeps the
# user's offline copy with requests of its own; on SQLite a navigation racing them may meet a
# locked table. Each page is measured once that script says it is done.
SETTLED = """() => !document.querySelector("meta[name=ato-user]")
  || document.documentElement.hasAttribute("data-offline-ready")"""


def check_pages(phone, live_server, screenshots, pages: dict[str, list[str]], objects: dict):
    """Open each page; return what does not fit, one line per problem."""
    problems = []
    for name, paths in pages.items():
        for template in paths:
            path = template.format(**objects)
            response = phone.goto(url(live_server, path))
            if response is None or response.status != 200:
                problems.append(f"{path} ({name}): HTTP {response and response.status}")
                continue
            phone.wait_for_function(SETTLED)
            found = phone.evaluate(MEASURE, MIN_TOUCH_PX)
            screenshots(phone, name.replace(":", "-"))
            if found["scroll"] > found["width"]:
                problems.append(
                    f"{path}: scrolls sideways ({found['scroll']} > {found['width']} px)"
                )
            if found["inner"]:
                problems.append(f"{path}: scrolls inside: {', '.join(found['inner'])}")
            if found["outside"]:
                problems.append(f"{path}: off screen: {', '.join(found['outside'])}")
            if found["small"]:
                problems.append(f"{path}: under {MIN_TOUCH_PX} px: {', '.join(found['small'])}")
    return problems


@pytest.fixture
def phone_context(browser, demo, live_server, request):
    """One 360 × 740 phone for all the pages of a test (a page per route would take minutes)."""
    from .helpers import TIMEOUT_MS

    context = browser.new_context(locale="es-PE", viewport=PHONE, color_scheme="light")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.js_errors = errors
    yield page
    context.close()


def check_atm_pages(
    page, live_server, screenshots, username: str, ubigeo: str, *, head: bool = False
) -> None:
    objects = district_objects(ubigeo, username)
    log_in(page, live_server, username)
    page.wait_for_function(SETTLED)
    pages = ATM_PAGES | HEAD_PAGES if head else ATM_PAGES
    problems = check_pages(page, live_server, screenshots, pages, objects)
    assert problems == [], "\n".join(problems)
    assert page.js_errors == []


# Two tests rather than one parametrized: the screenshots fixture globs old files by the test's
# name, and a parametrized name's brackets would read as a glob pattern.
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_of_the_atm_head_fits_a_360_px_phone(
    phone_context, live_server, screenshots, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    check_atm_pages(phone_context, live_server, screenshots, "atm.cascas", CASCAS, head=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_of_the_atm_staff_fits_a_360_px_phone(
    phone_context, live_server, screenshots, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    check_atm_pages(phone_context, live_server, screenshots, "atm.lucma", LUCMA)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_reviewer_and_public_page_fits_a_360_px_phone(
    phone_context, live_server, screenshots, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    objects = district_objects(CASCAS, "atm.cascas")
    problems = check_pages(phone_context, live_server, screenshots, ANON_PAGES, objects)
    log_in(phone_context, live_server, "revisor")
    phone_context.wait_for_function(SETTLED)
    problems += check_pages(phone_context, live_server, screenshots, REVIEWER_PAGES, objects)
    assert problems == [], "\n".join(problems)
    assert phone_context.js_errors == []
