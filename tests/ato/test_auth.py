from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_login_page_speaks_spanish(client, db):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ingresar a ATO" in body and "Contraseña" in body


def test_a_user_signs_in_and_lands_on_the_home_page(client, staff_a):
    response = login(client, "staff.cascas", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).url == reverse("district", args=["131101"])


def test_a_wrong_password_is_explained_in_spanish(client, staff_a):
    response = login(client, "staff.cascas", "equivocada")
    assert response.status_code == 200
    assert "Usuario o contraseña incorrectos" in response.content.decode()


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, staff_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "staff.cascas", "equivocada")
    response = login(client, "staff.cascas", PASSWORD)
    assert response.status_code == 429
    assert "bloqueado" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_account_opens_again_after_the_cool_off(client, staff_a, settings):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "staff.cascas", "equivocada")
    # The cool-off has passed: the attempts are older than AXES_COOLOFF_TIME.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(hours=2))
    assert login(client, "staff.cascas", PASSWORD).status_code == 302


def test_logout_needs_a_post_and_ends_the_session(client, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_idle_session_expires(client, staff_a, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE <= 3600
    client.force_login(staff_a)
    assert client.get(reverse("district", args=["131101"])).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(reverse("district", args=["131101"]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_passwords_are_stored_hashed(staff_a):
    assert PASSWORD not in staff_a.password
    assert staff_a.check_password(PASSWORD)
