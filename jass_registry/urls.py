from django.urls import path, re_path

from . import views

app_name = "jass_registry"

urlpatterns = [
    path("distritos/<ubigeo:ubigeo>/jass/", views.jass_list, name="list"),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/jass/exportar\.(?P<fmt>csv|xlsx)$",
        views.jass_export,
        name="export",
    ),
    path("distritos/<ubigeo:ubigeo>/jass/nueva/", views.jass_create, name="create"),
    path("distritos/<ubigeo:ubigeo>/jass/importar/", views.jass_import, name="import"),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/jass/plantilla\.(?P<fmt>csv|xlsx)$",
        views.import_template,
        name="template",
    ),
    path("jass/<pk:pk>/", views.jass_detail, name="detail"),
    path("jass/<pk:pk>/editar/", views.jass_edit, name="edit"),
    path("jass/<pk:pk>/disolver/", views.jass_dissolve, name="dissolve"),
    path("jass/<pk:pk>/sistemas/nuevo/", views.system_create, name="system_create"),
    path("jass/<pk:pk>/directiva/nueva/", views.board_start, name="board_start"),
    path("sistemas/<pk:pk>/editar/", views.system_edit, name="system_edit"),
    path("sistemas/<pk:pk>/baja/", views.system_retire, name="system_retire"),
    # Ley 29733: the DNI goes in the POST body, never in these paths.
    path(
        "distritos/<ubigeo:ubigeo>/datos-personales/",
        views.personal_data_access,
        name="personal_data",
    ),
    path(
        "distritos/<ubigeo:ubigeo>/datos-personales/descargar/",
        views.personal_data_export,
        name="personal_data_export",
    ),
    path("miembros/<pk:pk>/rectificar/", views.member_rectify, name="member_rectify"),
]
