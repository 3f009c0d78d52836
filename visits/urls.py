from django.urls import path, re_path

from . import views, views_schedule

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
    path("distritos/<ubigeo:ubigeo>/plan/<year:year>/", views_schedule.work_plan, name="work_plan"),
    path(
        "distritos/<ubigeo:ubigeo>/plan/<year:year>/avance/",
        views_schedule.work_plan_progress,
        name="work_plan_progress",
    ),
    # The agenda (issue 13 part 4): planned visits, the month calendar, "Mi semana".
    path("distritos/<ubigeo:ubigeo>/agenda/", views_schedule.schedule_list, name="schedule"),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/agenda/exportar\.(?P<fmt>csv|xlsx)$",
        views_schedule.schedule_export,
        name="schedule_export",
    ),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/agenda/(?P<year>20[0-9]{2}|2100)/(?P<month>0?[1-9]|1[0-2])/$",
        views_schedule.schedule_month,
        name="schedule_month",
    ),
    path(
        "distritos/<ubigeo:ubigeo>/agenda/nueva/",
        views_schedule.schedule_create,
        name="schedule_create",
    ),
    path("agenda/<pk:pk>/", views_schedule.schedule_detail, name="schedule_detail"),
    path("agenda/<pk:pk>/editar/", views_schedule.schedule_edit, name="schedule_edit"),
    path("agenda/<pk:pk>/cancelar/", views_schedule.schedule_cancel, name="schedule_cancel"),
    path("mi-semana/", views_schedule.my_week, name="my_week"),
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
