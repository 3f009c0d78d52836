"""Every route of the project, tried by every persona.

Personas: `own` (ATM head of Cascas, 131101), `other` (ATM staff of Lucma, 131102), `reviewer`,
`outsider` (signed in, no role) and `anon`. Objects belong to Cascas, so `other` must get 404
(existence not revealed) and every write by someone else must leave the row unchanged.

A new route fails `test_every_route_is_in_the_matrix` until it is listed in ROUTES.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver

from communities.models import CentreService, PopulatedCentre
from jass_registry.models import (
    BoardMember,
    BoardTerm,
    ChangeRecord,
    Jass,
    PersonalDataEvent,
    WaterSystem,
)
from service_grades.models import ServiceAssessment
from territory.models import AtmOffice, Notification
from territory.services import api_token_issue
from tests.conftest import CASCAS, api_client_for
from tests.factories import (
    BoardMemberFactory,
    BoardTermFactory,
    CentreServiceFactory,
    JassFactory,
    PopulatedCentreFactory,
    WaterSystemFactory,
    atm_ordinance_evidence,
)
from visits.models import (
    Agreement,
    AgreementNote,
    ChlorineReading,
    PlannedVisit,
    Visit,
    VisitAttachment,
)
from visits.services import visit_record

PERSONAS = ("own", "other", "reviewer", "outsider", "anon")


@dataclass
class Route:
    path: str
    method: str = "get"
    expect: dict = field(default_factory=dict)  # persona -> status
    data: dict | None = None
    api: bool = False  # call with token auth instead of a session


def statuses(own, other, reviewer, outsider, anon):
    return dict(zip(PERSONAS, (own, other, reviewer, outsider, anon), strict=True))


OFFICE_POST = {
    "ordinance_number": "O.M. 999-2026",
    "ordinance_date": "2020-01-01",
    "head_name": "Otra persona",
    "budgets-TOTAL_FORMS": "0",
    "budgets-INITIAL_FORMS": "0",
    "budgets-MIN_NUM_FORMS": "0",
    "budgets-MAX_NUM_FORMS": "30",
}

ROUTES: dict[str, list[Route]] = {
    "home": [Route("/", expect=statuses(302, 302, 302, 403, 302))],
    "healthz": [Route("/healthz", expect=statuses(200, 200, 200, 200, 200))],
    # Browsers report CSP violations here (report-uri with DEBUG on); anyone may POST.
    "csp_report": [
        Route("/csp-report/", expect=statuses(405, 405, 405, 405, 405)),
        Route("/csp-report/", "post", statuses(204, 204, 204, 204, 204), {}),
    ],
    "login": [Route("/cuenta/ingresar/", expect=statuses(302, 302, 302, 302, 200))],
    "logout": [
        Route("/cuenta/salir/", expect=statuses(405, 405, 405, 405, 405)),
        Route("/cuenta/salir/", "post", statuses(302, 302, 302, 302, 302)),
    ],
    "set_language": [
        Route("/i18n/setlang/", "post", statuses(302, 302, 302, 302, 302), {"language": "en"})
    ],
    "district_list": [Route("/distritos/", expect=statuses(302, 302, 200, 403, 302))],
    "district_export": [Route("/distritos/exportar.csv", expect=statuses(403, 403, 200, 403, 302))],
    "district": [Route(f"/distritos/{CASCAS}/", expect=statuses(200, 404, 200, 404, 302))],
    # Public without login (README, "Public pages"): aggregates only, nothing personal.
    "public_district": [
        Route(f"/publico/distritos/{CASCAS}/", expect=statuses(200, 200, 200, 200, 200))
    ],
    "territory:office": [
        Route(f"/distritos/{CASCAS}/atm/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "territory:office_edit": [
        Route(f"/distritos/{CASCAS}/atm/editar/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            f"/distritos/{CASCAS}/atm/editar/",
            "post",
            statuses(302, 404, 403, 404, 302),
            OFFICE_POST,
        ),
    ],
    "api_token": [
        Route(
            "/api/v1/auth/token/",
            "post",
            statuses(400, 400, 400, 400, 400),
            {"username": "nadie", "password": "x"},
            api=True,
        ),
        # Revokes the token the request is made with (each persona's own).
        Route("/api/v1/auth/token/", "delete", statuses(204, 204, 204, 204, 401), api=True),
    ],
    "api_tokens": [
        Route("/api/v1/auth/tokens/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    "territory:account": [Route("/cuenta/", expect=statuses(200, 200, 200, 200, 302))],
    # {token} is a token of the ATM head of Cascas (`own`): anyone else's answer is 404.
    "territory:token_revoke": [
        Route("/cuenta/tokens/{token}/revocar/", expect=statuses(405, 405, 405, 405, 302)),
        Route("/cuenta/tokens/{token}/revocar/", "post", statuses(302, 404, 404, 404, 302)),
    ],
    "api-root": [Route("/api/v1/", expect=statuses(200, 200, 200, 200, 401), api=True)],
    "district-list": [
        Route("/api/v1/districts/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    # Territory is public reference data (API.md: any authenticated user).
    "district-detail": [
        Route(f"/api/v1/districts/{CASCAS}/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    # --- JASS registry (objects of Cascas: {jass}, {system}, {term}) ---
    "jass_registry:list": [
        Route(f"/distritos/{CASCAS}/jass/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "jass_registry:export": [
        Route(f"/distritos/{CASCAS}/jass/exportar.csv", expect=statuses(200, 404, 200, 404, 302)),
        Route(f"/distritos/{CASCAS}/jass/exportar.xlsx", expect=statuses(200, 404, 200, 404, 302)),
    ],
    "jass_registry:create": [
        Route(f"/distritos/{CASCAS}/jass/nueva/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            f"/distritos/{CASCAS}/jass/nueva/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"name": "JASS Nueva", "kind": "jass", "status": "active"},
        ),
    ],
    "jass_registry:import": [
        Route(f"/distritos/{CASCAS}/jass/importar/", expect=statuses(200, 404, 403, 404, 302))
    ],
    "jass_registry:template": [
        Route(f"/distritos/{CASCAS}/jass/plantilla.xlsx", expect=statuses(200, 404, 403, 404, 302))
    ],
    "jass_registry:detail": [Route("/jass/{jass}/", expect=statuses(200, 404, 200, 404, 302))],
    "jass_registry:edit": [
        Route("/jass/{jass}/editar/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/jass/{jass}/editar/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"name": "JASS Cambiada", "kind": "jass", "status": "active"},
        ),
    ],
    "jass_registry:dissolve": [
        Route("/jass/{jass}/disolver/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/jass/{jass}/disolver/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"reason": "Acta", "confirm": "on"},
        ),
    ],
    "jass_registry:system_create": [
        Route("/jass/{jass}/sistemas/nuevo/", expect=statuses(200, 404, 403, 404, 302))
    ],
    "jass_registry:board_start": [
        Route("/jass/{jass}/directiva/nueva/", expect=statuses(200, 404, 403, 404, 302))
    ],
    "jass_registry:system_edit": [
        Route("/sistemas/{system}/editar/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/sistemas/{system}/editar/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"name": "Otro", "system_type": "other", "chlorination": "none", "condition": "poor"},
        ),
    ],
    "jass_registry:system_retire": [
        Route("/sistemas/{system}/baja/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/sistemas/{system}/baja/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"retired_on": "2026-01-01"},
        ),
    ],
    "jass-list": [Route("/api/v1/jass/", expect=statuses(200, 200, 200, 200, 401), api=True)],
    "jass-detail": [
        Route("/api/v1/jass/{jass}/", expect=statuses(200, 404, 200, 404, 401), api=True),
        Route(
            "/api/v1/jass/{jass}/",
            "patch",
            statuses(200, 404, 403, 403, 401),
            {"name": "X"},
            api=True,
        ),
        Route("/api/v1/jass/{jass}/", "delete", statuses(204, 404, 403, 403, 401), api=True),
    ],
    "water-system-list": [
        Route("/api/v1/water-systems/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    "water-system-detail": [
        Route(
            "/api/v1/water-systems/{system}/", expect=statuses(200, 404, 200, 404, 401), api=True
        ),
        Route(
            "/api/v1/water-systems/{system}/",
            "patch",
            statuses(200, 404, 403, 403, 401),
            {"name": "X"},
            api=True,
        ),
    ],
    "board-term-list": [
        Route("/api/v1/board-terms/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    "board-term-detail": [
        Route("/api/v1/board-terms/{term}/", expect=statuses(200, 404, 200, 404, 401), api=True)
    ],
    # --- Visits (objects of Cascas: {visit}, {agreement}, {system}, {jass}) ---
    "visits:list": [
        Route(f"/distritos/{CASCAS}/visitas/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "visits:export": [
        Route(
            f"/distritos/{CASCAS}/visitas/exportar.csv", expect=statuses(200, 404, 200, 404, 302)
        ),
        Route(
            f"/distritos/{CASCAS}/visitas/exportar.xlsx", expect=statuses(200, 404, 200, 404, 302)
        ),
    ],
    "visits:create": [
        Route(f"/distritos/{CASCAS}/visitas/nueva/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            f"/distritos/{CASCAS}/visitas/nueva/?jass={{jass}}",
            "post",
            statuses(302, 404, 403, 404, 302),
            {
                "date": "2026-01-10",
                "kind": "training",
                "readings-TOTAL_FORMS": "0",
                "readings-INITIAL_FORMS": "0",
                "agreements-TOTAL_FORMS": "0",
                "agreements-INITIAL_FORMS": "0",
            },
        ),
    ],
    "visits:agreements": [
        Route(f"/distritos/{CASCAS}/acuerdos/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "visits:work_plan": [
        Route(f"/distritos/{CASCAS}/plan/2026/", expect=statuses(200, 404, 200, 404, 302)),
        Route(
            f"/distritos/{CASCAS}/plan/2026/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"jass": "{jass}", "month": "3", "count": "2"},
        ),
    ],
    "visits:work_plan_progress": [
        Route(f"/distritos/{CASCAS}/plan/2026/avance/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "visits:detail": [Route("/visitas/{visit}/", expect=statuses(200, 404, 200, 404, 302))],
    "visits:edit": [Route("/visitas/{visit}/editar/", expect=statuses(200, 404, 403, 404, 302))],
    "visits:void": [
        Route("/visitas/{visit}/anular/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/visitas/{visit}/anular/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"reason": "Registrada dos veces", "confirm": "on"},
        ),
    ],
    "visits:acta": [Route("/visitas/{visit}/acta/", expect=statuses(200, 404, 200, 404, 302))],
    "visits:agreement_done": [
        Route("/acuerdos/{agreement}/cumplido/", expect=statuses(405, 405, 405, 405, 302)),
        Route("/acuerdos/{agreement}/cumplido/", "post", statuses(302, 404, 403, 404, 302)),
    ],
    "visits:chlorine_chart": [
        Route("/sistemas/{system}/cloro/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "visits:jass_timeline": [
        Route("/jass/{jass}/visitas/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "visit-list": [Route("/api/v1/visits/", expect=statuses(200, 200, 200, 200, 401), api=True)],
    "visit-detail": [
        Route("/api/v1/visits/{visit}/", expect=statuses(200, 404, 200, 404, 401), api=True),
        Route(
            "/api/v1/visits/{visit}/",
            "patch",
            statuses(200, 404, 403, 403, 401),
            {"findings": "Otro"},
            api=True,
        ),
        Route("/api/v1/visits/{visit}/", "delete", statuses(204, 404, 403, 403, 401), api=True),
    ],
    # --- Service grades (objects of Cascas: {visit}, {system}, {jass}, {assessment}; a
    # recomputation {grade_run}) ---
    "service_grades:visit": [
        Route("/visitas/{visit}/evaluacion/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "service_grades:assess": [
        Route(
            "/visitas/{visit}/evaluacion/sistemas/{system}/",
            expect=statuses(200, 404, 403, 404, 302),
        ),
        Route(
            "/visitas/{visit}/evaluacion/sistemas/{system}/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {
                "source_intake": "good",
                "conduction": "fair",
                "treatment": "not_applicable",
                "storage": "good",
                "distribution": "poor",
                "hours_dry": "12",
                "hours_rainy": "24",
            },
        ),
    ],
    "service_grades:system": [
        Route("/sistemas/{system}/servicio/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "service_grades:jass": [
        Route("/jass/{jass}/servicio/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "service_grades:district": [
        Route(
            f"/distritos/{CASCAS}/niveles-de-servicio/?grade=A&ordering=-grade",
            expect=statuses(200, 404, 200, 404, 302),
        )
    ],
    "service_grades:district_export": [
        Route(
            f"/distritos/{CASCAS}/niveles-de-servicio/exportar.csv",
            expect=statuses(200, 404, 200, 404, 302),
        ),
        Route(
            f"/distritos/{CASCAS}/niveles-de-servicio/exportar.xlsx",
            expect=statuses(200, 404, 200, 404, 302),
        ),
    ],
    # Reviewers recompute the country's grades (the same values as before here: the fixture's
    # grades are already computed, so the registry's copy does not change).
    "service_grades:national": [
        Route("/niveles-de-servicio/", expect=statuses(403, 403, 200, 403, 302)),
        Route("/niveles-de-servicio/", "post", statuses(403, 403, 302, 403, 302), {}),
    ],
    "service_grades:run": [
        Route(
            "/niveles-de-servicio/calculos/{grade_run}/",
            expect=statuses(403, 403, 200, 403, 302),
        )
    ],
    "assessment-list": [
        Route("/api/v1/assessments/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    "assessment-detail": [
        Route(
            "/api/v1/assessments/{assessment}/", expect=statuses(200, 404, 200, 404, 401), api=True
        ),
        Route(
            "/api/v1/assessments/{assessment}/",
            "patch",
            statuses(200, 404, 403, 403, 401),
            {"hours_dry": 20},
            api=True,
        ),
    ],
    # --- Incentives (an official run {run} of 2017-M35 with a result for Cascas; {evidence}) ---
    "incentives:goals": [Route("/metas/", expect=statuses(200, 200, 200, 200, 302))],
    "incentives:goal": [
        Route("/metas/2017-M35/", expect=statuses(200, 200, 200, 200, 302)),
        Route(
            "/metas/2017-M35/",
            "post",
            statuses(403, 403, 302, 403, 302),
            {"cutoff": "2026-01-31", "kind": "progress"},
        ),
    ],
    # The goal page's figures as filtered; ATM staff's figures are their district's only.
    "incentives:goal_export": [
        Route("/metas/2017-M35/exportar.csv?run={run}", expect=statuses(200, 200, 200, 200, 302)),
        Route(
            "/metas/2017-M35/exportar.xlsx?department=13",
            expect=statuses(200, 200, 200, 200, 302),
        ),
    ],
    # The map's colours: each persona gets 200 with the districts it may read (staff: its own).
    "incentives:goal_map": [
        Route("/metas/2017-M35/mapa.json?run={run}", expect=statuses(200, 200, 200, 200, 302))
    ],
    "incentives:run": [Route("/evaluaciones/{run}/", expect=statuses(200, 200, 200, 200, 302))],
    "incentives:run_progress": [
        Route("/evaluaciones/{run}/progreso/", expect=statuses(200, 200, 200, 200, 302))
    ],
    "incentives:run_export": [
        Route("/evaluaciones/{run}/exportar.csv", expect=statuses(403, 403, 200, 403, 302)),
        Route("/evaluaciones/{run}/exportar.xlsx", expect=statuses(403, 403, 200, 403, 302)),
    ],
    "incentives:result": [
        Route(
            f"/evaluaciones/{{run}}/distritos/{CASCAS}/", expect=statuses(200, 404, 200, 404, 302)
        ),
        Route(
            f"/evaluaciones/{{run}}/distritos/{CASCAS}/",
            "post",
            statuses(403, 404, 302, 404, 302),
            {"decision": "approve"},
        ),
    ],
    "incentives:evidence": [
        Route(f"/distritos/{CASCAS}/evidencias/", expect=statuses(200, 404, 200, 404, 302)),
        Route(f"/distritos/{CASCAS}/evidencias/", "post", statuses(200, 404, 403, 404, 302), {}),
    ],
    "incentives:evidence_file": [
        Route("/evidencias/{evidence}/archivo/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "incentives:evidence_review": [
        Route("/evidencias/{evidence}/revisar/", expect=statuses(405, 405, 405, 405, 302)),
        Route(
            "/evidencias/{evidence}/revisar/",
            "post",
            statuses(403, 404, 302, 404, 302),
            {"decision": "approve"},
        ),
    ],
    "incentives:evidence_queue": [
        Route("/evidencias/", expect=statuses(403, 403, 200, 403, 302)),
        Route(
            "/evidencias/?status=submitted&department=13", expect=statuses(403, 403, 200, 403, 302)
        ),
    ],
    "incentives:evidence_queue_export": [
        Route("/evidencias/exportar.csv", expect=statuses(403, 403, 200, 403, 302)),
        Route("/evidencias/exportar.xlsx", expect=statuses(403, 403, 200, 403, 302)),
    ],
    # --- Notifications ({notification} belongs to the ATM head of Cascas) ---
    "territory:notifications": [
        Route("/notificaciones/", expect=statuses(200, 200, 200, 200, 302))
    ],
    "territory:notifications_read": [
        Route("/notificaciones/leidas/", expect=statuses(405, 405, 405, 405, 302)),
        Route("/notificaciones/leidas/", "post", statuses(302, 302, 302, 302, 302)),
    ],
    "territory:notification_open": [
        Route("/notificaciones/{notification}/", expect=statuses(405, 405, 405, 405, 302)),
        Route("/notificaciones/{notification}/", "post", statuses(302, 404, 404, 404, 302)),
    ],
    "notification-list": [
        Route("/api/v1/notifications/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    "notification-read": [
        Route(
            "/api/v1/notifications/{notification}/read/",
            "post",
            statuses(200, 404, 404, 404, 401),
            api=True,
        )
    ],
    "evidence-list": [
        Route("/api/v1/evidence/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    "evidence-detail": [
        Route("/api/v1/evidence/{evidence}/", expect=statuses(200, 404, 200, 404, 401), api=True)
    ],
    "evidence-approve": [
        Route(
            "/api/v1/evidence/{evidence}/approve/",
            "post",
            statuses(403, 404, 200, 404, 401),
            {"comment": ""},
            api=True,
        )
    ],
    "evidence-return": [
        Route(
            "/api/v1/evidence/{evidence}/return/",
            "post",
            statuses(403, 404, 200, 404, 401),
            {"comment": "Falta la firma del alcalde"},
            api=True,
        )
    ],
    "compliance_export": [
        Route(
            "/api/v1/exports/compliance.csv?run={run}",
            expect=statuses(403, 403, 200, 403, 401),
            api=True,
        ),
        Route(
            "/api/v1/exports/compliance.xlsx?run={run}",
            expect=statuses(403, 403, 200, 403, 401),
            api=True,
        ),
    ],
    # Open data (README "Datos abiertos: WPDx y DHIS2"): a district for its staff and reviewers,
    # a department (or the country) and the DHIS2 values for reviewers.
    "wpdx_export": [
        Route(
            f"/api/v1/exports/wpdx.csv?district={CASCAS}",
            expect=statuses(200, 404, 200, 404, 401),
            api=True,
        ),
        Route(
            "/api/v1/exports/wpdx.csv?department=13",
            expect=statuses(403, 403, 200, 403, 401),
            api=True,
        ),
        # Without a parameter: staff their own district, reviewers the country.
        Route("/api/v1/exports/wpdx.csv", expect=statuses(200, 200, 200, 403, 401), api=True),
    ],
    "dhis2_datavalues": [
        Route(
            "/api/v1/exports/dhis2/datavalues.json?period=202601&department=13",
            expect=statuses(403, 403, 200, 403, 401),
            api=True,
        )
    ],
    "dhis2_data_elements": [
        Route(
            "/api/v1/exports/dhis2/data-elements.json",
            expect=statuses(200, 200, 200, 200, 401),
            api=True,
        )
    ],
    "goal-list": [Route("/api/v1/goals/", expect=statuses(200, 200, 200, 200, 401), api=True)],
    "goal-detail": [
        Route("/api/v1/goals/2017-M35/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    # Figures scoped per user: staff count their own district, an outsider none.
    "goal-summary": [
        Route(
            "/api/v1/goals/2017-M35/summary/?run={run}",
            expect=statuses(200, 200, 200, 200, 401),
            api=True,
        )
    ],
    "goal-runs": [
        Route(
            "/api/v1/goals/2017-M35/runs/",
            "post",
            statuses(403, 403, 202, 403, 401),
            {"cutoff": "2026-01-31", "kind": "progress"},
            api=True,
        )
    ],
    "run-detail": [
        Route("/api/v1/runs/{run}/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    "run-results": [
        Route("/api/v1/runs/{run}/results/", expect=statuses(200, 200, 200, 200, 401), api=True)
    ],
    "run-result": [
        Route(
            f"/api/v1/runs/{{run}}/results/{CASCAS}/",
            expect=statuses(200, 404, 200, 404, 401),
            api=True,
        )
    ],
    "run-approve": [
        Route(
            f"/api/v1/runs/{{run}}/results/{CASCAS}/approve/",
            "post",
            statuses(403, 404, 200, 404, 401),
            {"comment": ""},
            api=True,
        )
    ],
    "run-return": [
        Route(
            f"/api/v1/runs/{{run}}/results/{CASCAS}/return/",
            "post",
            statuses(403, 404, 200, 404, 401),
            {"comment": "Falta el acta"},
            api=True,
        )
    ],
    # --- populated centres and coverage (Cascas: {centre} code, {centre_service}) ---
    "communities:list": [
        Route(f"/distritos/{CASCAS}/centros-poblados/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "communities:export": [
        Route(
            f"/distritos/{CASCAS}/centros-poblados/exportar.csv",
            expect=statuses(200, 404, 200, 404, 302),
        ),
        Route(
            f"/distritos/{CASCAS}/centros-poblados/exportar.xlsx",
            expect=statuses(200, 404, 200, 404, 302),
        ),
    ],
    "communities:unserved": [
        Route(
            f"/distritos/{CASCAS}/centros-poblados/sin-servicio/",
            expect=statuses(200, 404, 200, 404, 302),
        )
    ],
    "communities:create": [
        Route(
            f"/distritos/{CASCAS}/centros-poblados/nuevo/", expect=statuses(200, 404, 403, 404, 302)
        ),
        Route(
            f"/distritos/{CASCAS}/centros-poblados/nuevo/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {
                "code": f"{CASCAS}0999",
                "name": "Nuevo",
                "area": "rural",
                "households": "12",
                "population": "40",
            },
        ),
    ],
    "communities:import": [
        Route(
            f"/distritos/{CASCAS}/centros-poblados/importar/",
            expect=statuses(200, 404, 403, 404, 302),
        )
    ],
    "communities:template": [
        Route(
            f"/distritos/{CASCAS}/centros-poblados/plantilla.xlsx",
            expect=statuses(200, 404, 403, 404, 302),
        )
    ],
    "communities:detail": [
        Route("/centros-poblados/{centre}/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "communities:edit": [
        Route("/centros-poblados/{centre}/editar/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/centros-poblados/{centre}/editar/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {
                "code": "{centre}",
                "name": "Cambiado",
                "area": "rural",
                "households": "50",
                "population": "170",
            },
        ),
    ],
    "communities:retire": [
        Route("/centros-poblados/{centre}/baja/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/centros-poblados/{centre}/baja/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"retired_on": "2026-01-01", "confirm": "on"},
        ),
    ],
    "communities:service_add": [
        Route(
            "/centros-poblados/{centre}/servicios/nuevo/", expect=statuses(200, 404, 403, 404, 302)
        ),
        Route(
            "/centros-poblados/{centre}/servicios/nuevo/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"jass": "{jass}", "households_served": "10"},
        ),
    ],
    "communities:service_end": [
        Route(
            "/servicios-de-agua/{centre_service}/terminar/",
            expect=statuses(200, 404, 403, 404, 302),
        ),
        Route(
            "/servicios-de-agua/{centre_service}/terminar/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"ended_on": "2026-01-01", "confirm": "on"},
        ),
    ],
    "everyone_forever": [
        Route(f"/distritos/{CASCAS}/todos-por-siempre/", expect=statuses(200, 404, 200, 404, 302))
    ],
    # Counts only (no personal data), for reviewers: nationally or by department.
    "everyone_forever_national": [
        Route("/todos-por-siempre/", expect=statuses(403, 403, 200, 403, 302)),
        Route("/todos-por-siempre/?department=13", expect=statuses(403, 403, 200, 403, 302)),
    ],
    "populated-centre-list": [
        Route("/api/v1/populated-centres/", expect=statuses(200, 200, 200, 200, 401), api=True),
        Route(
            "/api/v1/populated-centres/",
            "post",
            statuses(201, 400, 403, 403, 401),
            {
                "code": f"{CASCAS}0999",
                "name": "Nuevo",
                "district": CASCAS,
                "area": "rural",
                "households": 12,
                "population": 40,
            },
            api=True,
        ),
    ],
    "populated-centre-detail": [
        Route(
            "/api/v1/populated-centres/{centre}/",
            expect=statuses(200, 404, 200, 404, 401),
            api=True,
        ),
        Route(
            "/api/v1/populated-centres/{centre}/",
            "patch",
            statuses(200, 404, 403, 403, 401),
            {"name": "X"},
            api=True,
        ),
    ],
    "api_schema": [Route("/api/schema/", expect=statuses(200, 200, 200, 200, 200))],
    "api_docs": [
        Route("/api/docs/", expect=statuses(200, 200, 200, 200, 200)),
        # Swagger UI's init script, served from a URL (no inline script under the CSP).
        Route("/api/docs/?script=", expect=statuses(200, 200, 200, 200, 200)),
    ],
    # --- field work (issue 13): the visit record's server side (uuid, actas, agreements) ---
    "visit-form-spec": [
        Route("/api/v1/visits/form-spec/", expect=statuses(200, 200, 200, 403, 401), api=True)
    ],
    "visit-attachments": [
        Route(
            "/api/v1/visits/{visit}/attachments/",
            expect=statuses(200, 404, 200, 404, 401),
            api=True,
        ),
        # An upload is multipart: the owner's JSON body is 415, after every access check.
        Route(
            "/api/v1/visits/{visit}/attachments/",
            "post",
            statuses(415, 404, 403, 403, 401),
            {},
            api=True,
        ),
    ],
    "visits:agreement_note": [
        Route("/acuerdos/{agreement}/notas/", expect=statuses(405, 405, 405, 405, 302)),
        Route(
            "/acuerdos/{agreement}/notas/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"text": "Se compró el hipoclorito"},
        ),
    ],
    "visits:attachment_add": [
        Route("/visitas/{visit}/actas/", expect=statuses(405, 405, 405, 405, 302)),
        Route("/visitas/{visit}/actas/", "post", statuses(302, 404, 403, 404, 302), {}),
    ],
    "visits:attachment": [
        Route("/visitas/{visit}/actas/{acta}/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "visits:attachment_remove": [
        Route("/visitas/{visit}/actas/{acta}/quitar/", expect=statuses(405, 405, 405, 405, 302)),
        Route("/visitas/{visit}/actas/{acta}/quitar/", "post", statuses(302, 404, 403, 404, 302)),
    ],
    # --- field work (issue 13): offline app (manifest, service worker, field form, outbox) ---
    # Public: no user data in the worker, the manifest or the offline page.
    "service_worker": [Route("/sw.js", expect=statuses(200, 200, 200, 200, 200))],
    "web_manifest": [Route("/manifest.webmanifest", expect=statuses(200, 200, 200, 200, 200))],
    "field_offline": [Route("/campo/sin-conexion/", expect=statuses(200, 200, 200, 200, 200))],
    # The field form is for ATM staff, each for their own district (nothing of Cascas in it).
    "field_visit": [
        Route("/campo/visita/", expect=statuses(200, 200, 403, 403, 302)),
        Route("/campo/visita/", "post", statuses(405, 405, 405, 405, 405), {}),
    ],
    # This phone's outbox is read in the browser: any signed-in user sees the page.
    "field_outbox": [Route("/campo/por-enviar/", expect=statuses(200, 200, 200, 200, 302))],
    # Always the signed-in user's own district: Lucma gets Lucma's data, never Cascas's.
    "field_data": [Route("/campo/datos.json", expect=statuses(200, 200, 403, 403, 403))],
    "field_session": [Route("/campo/sesion.json", expect=statuses(200, 200, 200, 200, 403))],
    # --- field work (issue 13): schedule (agenda, calendar, Mi semana) ---
    "visits:schedule": [
        Route(f"/distritos/{CASCAS}/agenda/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "visits:schedule_export": [
        Route(f"/distritos/{CASCAS}/agenda/exportar.csv", expect=statuses(200, 404, 200, 404, 302)),
        Route(
            f"/distritos/{CASCAS}/agenda/exportar.xlsx", expect=statuses(200, 404, 200, 404, 302)
        ),
    ],
    "visits:schedule_month": [
        Route(f"/distritos/{CASCAS}/agenda/2026/2/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "visits:schedule_create": [
        Route(f"/distritos/{CASCAS}/agenda/nueva/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            f"/distritos/{CASCAS}/agenda/nueva/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"jass": "{jass}", "date": "2026-03-02", "purpose": "Supervisión"},
        ),
    ],
    # {scheduled}: a planned visit of Cascas, pending (editable and cancellable by its staff).
    "visits:schedule_detail": [
        Route("/agenda/{scheduled}/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "visits:schedule_edit": [
        Route("/agenda/{scheduled}/editar/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/agenda/{scheduled}/editar/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"jass": "{jass}", "date": "2026-02-12", "purpose": "Otra"},
        ),
    ],
    "visits:schedule_cancel": [
        Route("/agenda/{scheduled}/cancelar/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/agenda/{scheduled}/cancelar/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"reason": "Lluvias", "confirm": "on"},
        ),
    ],
    # Each ATM user's own week (Lucma's staff see theirs, empty); not for other roles.
    "visits:my_week": [Route("/mi-semana/", expect=statuses(200, 200, 403, 403, 302))],
    # --- field work (issue 13): district map ---
    # The district's points are its data: its staff and the reviewers (the outline is public).
    "district_map": [Route(f"/distritos/{CASCAS}/mapa/", expect=statuses(200, 404, 200, 404, 302))],
    "district_map_data": [
        Route(f"/distritos/{CASCAS}/mapa.json", expect=statuses(200, 404, 200, 404, 302))
    ],
    # --- issue 14: activity and weekly digest ---
    # Who changed what: the district's ATM head and the reviewers (ato/activity.py).
    "district_activity": [
        Route(f"/distritos/{CASCAS}/actividad/", expect=statuses(200, 404, 200, 404, 302))
    ],
    "district_activity_export": [
        Route(
            f"/distritos/{CASCAS}/actividad/exportar.csv", expect=statuses(200, 404, 200, 404, 302)
        ),
        Route(
            f"/distritos/{CASCAS}/actividad/exportar.xlsx", expect=statuses(200, 404, 200, 404, 302)
        ),
    ],
    # Each user's own choice of the weekly digest: POST only, it changes only their own row.
    "territory:digest_preference": [
        Route("/cuenta/resumen-semanal/", expect=statuses(405, 405, 405, 405, 302)),
        Route("/cuenta/resumen-semanal/", "post", statuses(302, 302, 302, 302, 302), {}),
    ],
    # --- issue 14: personal data (Ley 29733) ---
    # Only the district's ATM head (`own`); the DNI goes in the POST body, never in the path.
    "jass_registry:personal_data": [
        Route(f"/distritos/{CASCAS}/datos-personales/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            f"/distritos/{CASCAS}/datos-personales/",
            "post",
            statuses(200, 404, 403, 404, 302),
            {"dni": "{member_dni}"},
        ),
    ],
    "jass_registry:personal_data_export": [
        Route(
            f"/distritos/{CASCAS}/datos-personales/descargar/",
            expect=statuses(405, 405, 405, 405, 302),
        ),
        Route(
            f"/distritos/{CASCAS}/datos-personales/descargar/",
            "post",
            statuses(200, 404, 403, 404, 302),
            {"dni": "{member_dni}", "fmt": "csv"},
        ),
    ],
    # {member}: a board member of a Cascas JASS.
    "jass_registry:member_rectify": [
        Route("/miembros/{member}/rectificar/", expect=statuses(200, 404, 403, 404, 302)),
        Route(
            "/miembros/{member}/rectificar/",
            "post",
            statuses(302, 404, 403, 404, 302),
            {"full_name": "Doris Alvarado", "dni": "{member_dni}", "reason": "Lo pidió"},
        ),
    ],
}

# The Django admin has its own permission system (is_staff); none of the personas may enter.
ADMIN_NAMESPACE = "admin"


def route_names(patterns=None, namespace: str = "") -> set[str]:
    names = set()
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            inner = f"{namespace}:{ns}".strip(":") if ns else namespace
            names |= route_names(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            name = p.name or f"<unnamed {p.pattern}>"
            names.add(f"{namespace}:{name}" if namespace else name)
    return names


def test_every_route_is_in_the_matrix():
    names = {n for n in route_names() if not n.startswith(f"{ADMIN_NAMESPACE}:")}
    assert names - set(ROUTES) == set(), "new routes: add them to ROUTES with each persona"
    assert set(ROUTES) - names == set(), "ROUTES lists routes that no longer exist"


def _client_for(persona, personas, client, route: Route):
    user = None if persona == "anon" else personas[persona]
    if route.api:
        return api_client_for(user)
    if user is not None:
        client.force_login(user)
    return client


CASES = [
    pytest.param(name, i, persona, id=f"{name}-{route.method}-{persona}")
    for name, routes in ROUTES.items()
    for i, route in enumerate(routes)
    for persona in PERSONAS
]


@pytest.fixture
def cascas_objects(staff_a):
    jass = JassFactory(district_id=CASCAS)
    term = BoardTermFactory(jass=jass)
    member = BoardMemberFactory(term=term)
    system = WaterSystemFactory(jass=jass)
    centre = PopulatedCentreFactory(district_id=CASCAS)
    # Served since 2025 by another JASS of Cascas, so ending it on 2026-01-01 is valid.
    service = CentreServiceFactory(centre=centre, created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    visit = visit_record(
        user=staff_a,
        jass=jass,
        data={"date": dt.date(2026, 1, 5), "kind": "supervision"},
        readings=[{"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.60"}],
        agreements=[{"task": "Limpiar", "responsible": "Operador", "due_on": dt.date(2026, 2, 1)}],
    )
    return {
        "jass": jass.pk,
        "system": system.pk,
        "centre": centre.code,
        "centre_service": service.pk,
        "term": term.pk,
        "member": member.pk,
        "member_dni": member.dni,
        "visit": visit.pk,
        "agreement": visit.agreements.get().pk,
        "token": api_token_issue(user=staff_a)[0].pk,
        "notification": Notification.objects.create(
            user=staff_a, kind="evidence_returned", message="Observada", url="/"
        ).pk,
        **incentive_objects(staff_a),
        **grade_objects(staff_a, visit, system),
        **schedule_objects(staff_a, jass),
        **acta_objects(staff_a, visit),
    }


def acta_objects(staff_a, visit):
    """A photo of the visit's signed acta ({acta}), for the field-work routes (issue 13)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from visits.services import attachment_add

    photo = SimpleUploadedFile("acta.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    return {"acta": attachment_add(user=staff_a, visit=visit, file=photo).attachment.pk}


def grade_objects(staff_a, visit, system):
    from service_grades.models import GradeRun
    from service_grades.services import assessment_record

    assessment = assessment_record(
        user=staff_a,
        visit=visit,
        water_system=system,
        data={
            "source_intake": "good",
            "conduction": "good",
            "storage": "fair",
            "distribution": "good",
            "hours_dry": 20,
            "hours_rainy": 24,
        },
    )
    run = GradeRun.objects.create(quarter=dt.date(2026, 10, 1))
    return {"assessment": assessment.pk, "grade_run": run.pk}


def schedule_objects(staff_a, jass):
    """A planned visit of Cascas, a week after the visit (pending: editable, cancellable)."""
    from visits.schedule import scheduled_visit_create

    scheduled = scheduled_visit_create(
        user=staff_a, jass=jass, date=dt.date(2026, 2, 10), staff=staff_a, purpose="Cloración"
    )
    return {"scheduled": scheduled.pk}


def scheduled_rows():
    from visits.models import ScheduledVisit

    return list(ScheduledVisit.objects.order_by("pk").values())


def incentive_objects(staff_a):
    from incentives import services
    from incentives.models import EvaluationRun, Goal
    from territory.models import DistrictCategory

    DistrictCategory.objects.get_or_create(
        district_id=CASCAS, year=2017, defaults={"category": "C"}
    )
    goal = Goal.objects.get(code="2017-M35")
    run = EvaluationRun.objects.create(goal=goal, cutoff=dt.date(2026, 1, 31), kind="official")
    for chunk in services.run_split(run.pk):
        services.chunk_evaluate(run.pk, chunk)
    evidence = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)
    return {"run": run.pk, "evidence": evidence.pk}


def snapshot():
    """Everything a write by someone else could have touched."""
    return {
        "office": model_to_dict(AtmOffice.objects.get(pk=CASCAS)),
        "jass": list(Jass.objects.order_by("pk").values()),
        "systems": list(WaterSystem.objects.order_by("pk").values()),
        "terms": list(BoardTerm.objects.order_by("pk").values()),
        "history": ChangeRecord.objects.count(),
        "visits": list(Visit.objects.order_by("pk").values()),
        "agreements": list(Agreement.objects.order_by("pk").values()),
        "readings": list(ChlorineReading.objects.order_by("pk").values()),
        "plans": list(PlannedVisit.objects.order_by("pk").values()),
        "scheduled": scheduled_rows(),
        "assessments": list(ServiceAssessment.objects.order_by("pk").values()),
        "centres": list(PopulatedCentre.objects.order_by("pk").values()),
        "centre_services": list(CentreService.objects.order_by("pk").values()),
        "actas": list(VisitAttachment.objects.order_by("pk").values()),
        "agreement_notes": list(AgreementNote.objects.order_by("pk").values()),
        "members": list(BoardMember.objects.order_by("pk").values()),
        "personal_data_events": PersonalDataEvent.objects.count(),
    }


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(("name", "index", "persona"), CASES)
def test_each_persona_gets_the_expected_answer(
    name, index, persona, personas, client, cascas_objects
):
    route = ROUTES[name][index]
    path = route.path.replace("{{", "{").replace("}}", "}").format(**cascas_objects)
    before = snapshot()
    http = _client_for(persona, personas, client, route)
    call = getattr(http, route.method)
    kwargs = {"format": "json"} if route.api else {}
    # A data value may name a fixture object too ({jass}, {centre}).
    data = {
        k: v.format(**cascas_objects) if isinstance(v, str) and "{" in v else v
        for k, v in (route.data or {}).items()
    }
    response = call(path, data, **kwargs)
    assert response.status_code == route.expect[persona], response.content[:300]
    if route.method != "get" and persona != "own" and name != "set_language":
        assert snapshot() == before


@pytest.mark.parametrize("persona", ["own", "other", "reviewer", "outsider", "anon"])
def test_no_persona_enters_the_admin(persona, personas, client):
    if persona != "anon":
        client.force_login(personas[persona])
    for path in ["/admin/", "/admin/territory/atmoffice/", "/admin/territory/user/"]:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/admin/login/")
