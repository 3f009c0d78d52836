from django.urls import path, re_path

from . import views

app_name = "visits"

urlpatterns = [
    path("distritos/<ubigeo:ubigeo>/visitas/", views.visit_list, name="list"),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/visitas/exportar\.(?P<fmt>csv|xlsx)$",
        views.visit_export,
        name="export",
    ),
    path("distritos/<ubigeo:ubigeo>/visitas/nueva/", views.visit_create, name="create"),
    path("distritos/<ubigeo:ubigeo>/acuerdos/", views.agreement_list, name="agreements"),
    path("distritos/<ubigeo:ubigeo>/plan/<year:year>/", views.work_plan, name="work_plan"),
    path(
        "distritos/<ubigeo:ubigeo>/plan/<year:year>/avance/",
        views.work_plan_progress,
        name="work_plan_progress",
    ),
    path("visitas/<pk:pk>/", views.visit_detail, name="detail"),
    path("visitas/<pk:pk>/editar/", views.visit_edit, name="edit"),
    path("visitas/<pk:pk>/anular/", views.visit_void, name="void"),
    path("visitas/<pk:pk>/acta/", views.visit_acta, name="acta"),
    path("acuerdos/<pk:pk>/cumplido/", views.agreement_done, name="agreement_done"),
    path("acuerdos/<pk:pk>/notas/", views.agreement_note_add, name="agreement_note"),
    path("visitas/<pk:pk>/actas/", views.attachment_add, name="attachment_add"),
    path("visitas/<pk:pk>/actas/<pk:attachment_pk>/", views.attachment_file, name="attachment"),
    path(
        "visitas/<pk:pk>/actas/<pk:attachment_pk>/quitar/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("sistemas/<pk:pk>/cloro/", views.chlorine_chart, name="chlorine_chart"),
    path("jass/<pk:pk>/visitas/", views.jass_timeline, name="jass_timeline"),
]
