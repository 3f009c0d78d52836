from django.urls import path

from . import views

app_name = "territory"

urlpatterns = [
    path("distritos/<ubigeo:ubigeo>/atm/", views.office_detail, name="office"),
    path("distritos/<ubigeo:ubigeo>/atm/editar/", views.office_edit, name="office_edit"),
    path("cuenta/", views.account, name="account"),
    path("cuenta/tokens/<pk:pk>/revocar/", views.token_revoke, name="token_revoke"),
    path("cuenta/resumen-semanal/", views.digest_preference, name="digest_preference"),
    path("notificaciones/", views.notifications, name="notifications"),
    path("notificaciones/leidas/", views.notifications_read, name="notifications_read"),
    path("notificaciones/<pk:pk>/", views.notification_open, name="notification_open"),
]
