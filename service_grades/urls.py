from django.urls import path, re_path

from . import views

app_name = "service_grades"

urlpatterns = [
    path("visitas/<pk:pk>/evaluacion/", views.visit_assessments, name="visit"),
    path(
        "visitas/<pk:pk>/evaluacion/sistemas/<pk:system>/",
        views.assessment_edit,
        name="assess",
    ),
    path("sistemas/<pk:pk>/servicio/", views.system_service, name="system"),
    path("jass/<pk:pk>/servicio/", views.jass_service, name="jass"),
    path("distritos/<ubigeo:ubigeo>/niveles-de-servicio/", views.district_grades, name="district"),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/niveles-de-servicio/exportar\.(?P<fmt>csv|xlsx)$",
        views.district_grades_export,
        name="district_export",
    ),
    path("niveles-de-servicio/", views.national_grades, name="national"),
    path("niveles-de-servicio/calculos/<pk:pk>/", views.run_progress, name="run"),
]
