from django.urls import path, re_path

from . import views

app_name = "visits"

urlpatterns = [
    path("distritos/<str:ubigeo>/visitas/", views.visit_list, name="list"),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/visitas/exportar\.(?P<fmt>csv|xlsx)$",
        views.visit_export,
        name="export",
    ),
    path("distritos/<str:ubigeo>/visitas/nueva/", views.visit_create, name="create"),
    path("distritos/<str:ubigeo>/acuerdos/", views.agreement_list, name="agreements"),
    path("distritos/<str:ubigeo>/plan/<int:year>/", views.work_plan, name="work_plan"),
    path(
        "distritos/<str:ubigeo>/plan/<int:year>/avance/",
        views.work_plan_progress,
        name="work_plan_progress",
    ),
    path("visitas/<int:pk>/", views.visit_detail, name="detail"),
    path("visitas/<int:pk>/editar/", views.visit_edit, name="edit"),
    path("visitas/<int:pk>/eliminar/", views.visit_delete, name="delete"),
    path("visitas/<int:pk>/acta/", views.visit_acta, name="acta"),
    path("acuerdos/<int:pk>/cumplido/", views.agreement_done, name="agreement_done"),
    path("sistemas/<int:pk>/cloro/", views.chlorine_chart, name="chlorine_chart"),
    path("jass/<int:pk>/visitas/", views.jass_timeline, name="jass_timeline"),
]
