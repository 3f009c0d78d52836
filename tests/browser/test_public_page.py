"""The public page of a district, as a visitor without an account sees it on a 360-px phone."""

import datetime as dt

import pytest
from django.core.cache import cache

from incentives.models import EvaluationRun, Goal
from tests.incentives.conftest import compute

from .helpers import page_width, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_reads_cascas_public_page_on_a_phone_without_signing_in(
    phone, live_server, screenshots
):
    # The page is cached for minutes (in Redis under CI): another test may have filled it.
    cache.clear()
    compute(
        EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2026-M5"), cutoff=dt.date(2026, 11, 20)
        )
    )
    requests: list[str] = []
    phone.on("request", lambda r: requests.append(r.url))
    phone.goto(url(live_server, "/publico/distritos/131101/"))
    assert phone.get_by_role("heading", level=1).inner_text() == "Cascas"
    assert phone.get_by_text("2026-M5").is_visible()
    screenshots(phone, "cascas-public-360")
    assert page_width(phone) <= 360 + 2
    assert all(r.startswith(live_server.url) or r.startswith("data:") for r in requests)
    text = phone.locator("body").inner_text()
    for private in ("Rosa Elvira Quispe", "Doris Alvarado", "Salir"):
        assert private not in text
