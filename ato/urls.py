from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from incentives.api import compliance_export

from . import activity, converters, csp, everyone_forever, pwa, views
from .api import Dhis2DataElements, Dhis2DataValues, ObtainToken, OwnTokenList, WpdxExport, router
from .district_map import district_map, district_map_data
from .forms import LoginForm

# Before the apps' URL modules are included: their patterns use these names.
register_converter(converters.PkConverter, "pk")
register_converter(converters.YearConverter, "year")
register_converter(converters.UbigeoConverter, "ubigeo")
register_converter(converters.GoalCodeConverter, "goal_code")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("csp-report/", csp.csp_report, name="csp_report"),
    path(
        "cuenta/ingresar/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("cuenta/salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("distritos/", views.district_list, name="district_list"),
    path("distritos/exportar.csv", views.district_export, name="district_export"),
    path("distritos/<ubigeo:ubigeo>/", views.district_detail, name="district"),
    # The district on a map (ato/district_map.py): the page and its points.
    path("distritos/<ubigeo:ubigeo>/mapa/", district_map, name="district_map"),
    path("distritos/<ubigeo:ubigeo>/mapa.json", district_map_data, name="district_map_data"),
    path("publico/distritos/<ubigeo:ubigeo>/", views.public_district_page, name="public_district"),
    path(
        "distritos/<ubigeo:ubigeo>/todos-por-siempre/",
        everyone_forever.district_page,
        name="everyone_forever",
    ),
    path("todos-por-siempre/", everyone_forever.national_page, name="everyone_forever_national"),
    # Who changed what in a district (ato/activity.py): the ATM head and the reviewers.
    path(
        "distritos/<ubigeo:ubigeo>/actividad/", activity.district_activity, name="district_activity"
    ),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/actividad/exportar\.(?P<fmt>csv|xlsx)$",
        activity.district_activity_export,
        name="district_activity_export",
    ),
    # The installable offline app (ato/pwa.py): the worker at the root scope, its manifest and
    # the field pages that work without signal.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.web_manifest, name="web_manifest"),
    path("campo/visita/", pwa.field_visit, name="field_visit"),
    path("campo/por-enviar/", pwa.field_outbox, name="field_outbox"),
    path("campo/sin-conexion/", pwa.field_offline, name="field_offline"),
    path("campo/datos.json", pwa.field_data, name="field_data"),
    path("campo/sesion.json", pwa.field_session, name="field_session"),
    path("", include("territory.urls")),
    path("", include("jass_registry.urls")),
    path("", include("visits.urls")),
    path("", include("communities.urls")),
    path("", include("incentives.urls")),
    path("", include("service_grades.urls")),
    path("api/v1/auth/token/", ObtainToken.as_view(), name="api_token"),
    path("api/v1/auth/tokens/", OwnTokenList.as_view(), name="api_tokens"),
    re_path(
        r"^api/v1/exports/compliance\.(?P<fmt>csv|xlsx)$",
        compliance_export,
        name="compliance_export",
    ),
    # Open data (README "Datos abiertos: WPDx y DHIS2").
    path("api/v1/exports/wpdx.csv", WpdxExport.as_view(), name="wpdx_export"),
    path(
        "api/v1/exports/dhis2/datavalues.json", Dhis2DataValues.as_view(), name="dhis2_datavalues"
    ),
    path(
        "api/v1/exports/dhis2/data-elements.json",
        Dhis2DataElements.as_view(),
        name="dhis2_data_elements",
    ),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's init script from a URL: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]


def handler400(request, exception):
    """A body too large or with too many fields: JSON under /api/, a Spanish page elsewhere."""
    from django.http import JsonResponse
    from django.utils.translation import gettext as _
    from django.views.defaults import bad_request

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Solicitud no válida.")}, status=400)
    return bad_request(request, exception)


def handler404(request, exception):
    """JSON under /api/, the Spanish HTML page everywhere else."""
    from django.views.defaults import page_not_found

    from .api import api_not_found

    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return page_not_found(request, exception)
