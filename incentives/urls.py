from django.urls import path, re_path

from . import views

app_name = "incentives"

urlpatterns = [
    path("metas/", views.goal_list, name="goals"),
    path("metas/<str:code>/", views.goal_detail, name="goal"),
    path("evaluaciones/<int:pk>/", views.run_detail, name="run"),
    path("evaluaciones/<int:pk>/progreso/", views.run_progress, name="run_progress"),
    re_path(
        r"^evaluaciones/(?P<pk>[0-9]+)/exportar\.(?P<fmt>csv|xlsx)$",
        views.run_export,
        name="run_export",
    ),
    path("evaluaciones/<int:pk>/distritos/<str:ubigeo>/", views.result_detail, name="result"),
    path("distritos/<str:ubigeo>/evidencias/", views.evidence_list, name="evidence"),
    path("evidencias/<int:pk>/archivo/", views.evidence_file, name="evidence_file"),
    path("evidencias/<int:pk>/revisar/", views.evidence_review, name="evidence_review"),
]
