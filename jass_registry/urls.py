from django.urls import path, re_path

from . import views

app_name = "jass_registry"

urlpatterns = [
    path("distritos/<str:ubigeo>/jass/", views.jass_list, name="list"),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/jass/exportar\.(?P<fmt>csv|xlsx)$",
        views.jass_export,
        name="export",
    ),
    path("distritos/<str:ubigeo>/jass/nueva/", views.jass_create, name="create"),
    path("distritos/<str:ubigeo>/jass/importar/", views.jass_import, name="import"),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/jass/plantilla\.(?P<fmt>csv|xlsx)$",
        views.import_template,
        name="template",
    ),
    path("jass/<int:pk>/", views.jass_detail, name="detail"),
    path("jass/<int:pk>/editar/", views.jass_edit, name="edit"),
    path("jass/<int:pk>/disolver/", views.jass_dissolve, name="dissolve"),
    path("jass/<int:pk>/sistemas/nuevo/", views.system_create, name="system_create"),
    path("jass/<int:pk>/directiva/nueva/", views.board_start, name="board_start"),
    path("sistemas/<int:pk>/editar/", views.system_edit, name="system_edit"),
    path("sistemas/<int:pk>/baja/", views.system_retire, name="system_retire"),
]
