"""Notifications: the header's bell counts the unread ones without a query, the list page and
the API show a user only their own, newest first, and reading them lowers the count."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from territory import services
from territory.models import Notification, User
from tests.conftest import api_client_for


def notify(user, message, url="/metas/"):
    return services.notification_send(
        users=User.objects.filter(pk=user.pk),
        kind="evidence_returned",
        subject="Evidencia observada",
        message=message,
        url=url,
    )[0]


def test_the_bell_shows_the_unread_count_with_no_query_of_its_own(client, staff_a):
    notify(staff_a, "Primera")
    notify(staff_a, "Segunda")
    client.force_login(staff_a)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/cuenta/").content.decode()
    assert "Notificaciones: 2 sin leer" in page and '<span class="badge">2</span>' in page
    assert not any("territory_notification" in q["sql"] for q in queries)


def test_the_list_shows_only_ones_own_newest_first_and_marks_them_read(client, staff_a, staff_b):
    notify(staff_a, "Evidencia antigua")
    notify(staff_a, "Evidencia nueva")
    notify(staff_b, "De Lucma")
    client.force_login(staff_a)
    page = client.get("/notificaciones/").content.decode()
    assert page.index("Evidencia nueva") < page.index("Evidencia antigua")
    assert "De Lucma" not in page
    client.post("/notificaciones/leidas/")
    staff_a.refresh_from_db()
    assert staff_a.unread_notifications == 0
    assert not Notification.objects.filter(user=staff_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=staff_b, read_at__isnull=True).count() == 1


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, staff_a, staff_b):
    note = notify(staff_a, "Mire", url="/metas/2017-M35/")
    client.force_login(staff_b)
    assert client.post(f"/notificaciones/{note.pk}/").status_code == 404
    client.force_login(staff_a)
    response = client.post(f"/notificaciones/{note.pk}/")
    assert response.status_code == 302 and response.url == "/metas/2017-M35/"
    note.refresh_from_db()
    staff_a.refresh_from_db()
    assert note.read_at is not None and staff_a.unread_notifications == 0


def test_the_api_lists_own_notifications_and_marks_one_read(staff_a, staff_b):
    old, new = notify(staff_a, "Antigua"), notify(staff_a, "Nueva")
    notify(staff_b, "De Lucma")
    api = api_client_for(staff_a)
    rows = api.get("/api/v1/notifications/").json()["results"]
    assert [(r["message"], r["read"]) for r in rows] == [("Nueva", False), ("Antigua", False)]
    assert set(rows[0]) == {"id", "created_at", "kind", "message", "url", "read"}
    assert api.post(f"/api/v1/notifications/{old.pk}/read/").json()["read"] is True
    staff_a.refresh_from_db()
    assert staff_a.unread_notifications == 1
    assert api_client_for(staff_b).post(f"/api/v1/notifications/{new.pk}/read/").status_code == 404


def test_notifications_are_never_deleted_by_reading(staff_a):
    notify(staff_a, "Una")
    services.notifications_read_all(user=staff_a)
    assert Notification.objects.filter(user=staff_a).count() == 1
