from django.urls import path, re_path

from . import views

app_name = "incentives"

urlpatterns = [
    path("metas/", views.goal_list, name="goals"),
    path("metas/<goal_code:code>/", views.goal_detail, name="goal"),
    re_path(
        r"^metas/(?P<code>[0-9]{4}-M[0-9]{1,3})/exportar\.(?P<fmt>csv|xlsx)$",
        views.goal_export,
        name="goal_export",
    ),
    path("metas/<goal_code:code>/mapa.json", views.goal_map, name="goal_map"),
    path("evaluaciones/<pk:pk>/", views.run_detail, name="run"),
    path("evaluaciones/<pk:pk>/progreso/", views.run_progress, name="run_progress"),
    re_path(
        r"^evaluaciones/(?P<pk>[1-9][0-9]{0,17})/exportar\.(?P<fmt>csv|xlsx)$",
        views.run_export,
        name="run_export",
    ),
    path("evaluaciones/<pk:pk>/distritos/<ubigeo:ubigeo>/", views.result_detail, name="result"),
    path("distritos/<ubigeo:ubigeo>/evidencias/", views.evidence_list, name="evidence"),
    path("evidencias/", views.evidence_queue, name="evidence_queue"),
    re_path(
        r"^evidencias/exportar\.(?P<fmt>csv|xlsx)$",
        views.evidence_queue_export,
        name="evidence_queue_export",
    ),
    path("evidencias/<pk:pk>/archivo/", views.evidence_file, name="evidence_file"),
    path("evidencias/<pk:pk>/revisar/", views.evidence_review, name="evidence_review"),
]
