"""A goal's heading is its code and title; "modelo de trabajo" is said once, by the flag the
admin unticks when the official table is loaded, not repeated in the title (2026-M5 had it in
both)."""

import importlib
import re
from html import unescape

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.utils import timezone

from incentives.models import EvaluationRun, Goal
from territory.models import DistrictCategory
from tests.conftest import CASCAS
from tests.incentives.conftest import compute

TITLE_2026 = (
    "Fortalecimiento del Área Técnica Municipal para la gestión de los servicios de agua y "
    "saneamiento en el ámbito rural"
)


def heading(page: str) -> str:
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", h1)).split())


@pytest.mark.parametrize("code", ["2026-M5", "2019-M5"])
def test_the_goal_page_heads_with_code_and_title_and_says_working_model_once(
    client, reviewer, code
):
    goal = Goal.objects.get(code=code)
    assert goal.working_model
    client.force_login(reviewer)
    page = client.get(f"/metas/{code}/").content.decode()
    assert heading(page) == f"{code} · {goal.title}"
    assert "modelo de trabajo" not in heading(page).lower()
    assert page.count("<strong>Modelo de trabajo.</strong>") == 1


def test_the_2026_goal_is_seeded_without_the_label_in_its_title(db):
    assert Goal.objects.get(code="2026-M5").title == TITLE_2026


def test_the_goal_list_labels_the_2026_goal_once(client, staff_a):
    client.force_login(staff_a)
    page = client.get("/metas/").content.decode()
    row = re.search(r'<tr><td><a href="/metas/2026-M5/">.*?</tr>', page, re.S).group(0)
    assert row.lower().count("modelo de trabajo") == 1


def test_the_public_page_labels_the_2026_goal_once(client, staff_a):
    cache.clear()  # the public page is cached for minutes: another test may have filled it
    DistrictCategory.objects.create(district_id=CASCAS, year=2026, category="C")
    goal = Goal.objects.get(code="2026-M5")
    compute(EvaluationRun.objects.create(goal=goal, cutoff=timezone.localdate()))
    page = client.get(f"/publico/distritos/{CASCAS}/").content.decode()
    rows = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "2026-M5" in r]
    assert rows and all(r.lower().count("modelo de trabajo") == 1 for r in rows)


def test_a_database_seeded_with_the_old_title_loses_the_label_and_an_edited_one_stays(db):
    migration = importlib.import_module("incentives.migrations.0008_goal_2026_title_without_label")
    goal = Goal.objects.get(code="2026-M5")
    Goal.objects.filter(pk=goal.pk).update(title=migration.SEEDED)
    migration.forwards(django_apps, None)
    goal.refresh_from_db()
    assert goal.title == TITLE_2026
    Goal.objects.filter(pk=goal.pk).update(title="Meta 5 (título del administrador)")
    migration.forwards(django_apps, None)
    goal.refresh_from_db()
    assert goal.title == "Meta 5 (título del administrador)"
