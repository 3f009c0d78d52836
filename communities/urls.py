from django.urls import path, re_path

from . import views

app_name = "communities"

CODE = r"(?P<code>[0-9]{10})"

urlpatterns = [
    path("distritos/<ubigeo:ubigeo>/centros-poblados/", views.centre_list, name="list"),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/centros-poblados/exportar\.(?P<fmt>csv|xlsx)$",
        views.centre_export,
        name="export",
    ),
    path(
        "distritos/<ubigeo:ubigeo>/centros-poblados/sin-servicio/",
        views.unserved_list,
        name="unserved",
    ),
    path("distritos/<ubigeo:ubigeo>/centros-poblados/nuevo/", views.centre_create, name="create"),
    path(
        "distritos/<ubigeo:ubigeo>/centros-poblados/importar/", views.centre_import, name="import"
    ),
    re_path(
        r"^distritos/(?P<ubigeo>[0-9]{6})/centros-poblados/plantilla\.(?P<fmt>csv|xlsx)$",
        views.import_template,
        name="template",
    ),
    re_path(rf"^centros-poblados/{CODE}/$", views.centre_detail, name="detail"),
    re_path(rf"^centros-poblados/{CODE}/editar/$", views.centre_edit, name="edit"),
    re_path(rf"^centros-poblados/{CODE}/baja/$", views.centre_retire, name="retire"),
    re_path(rf"^centros-poblados/{CODE}/servicios/nuevo/$", views.service_add, name="service_add"),
    path("servicios-de-agua/<pk:pk>/terminar/", views.service_end, name="service_end"),
]
