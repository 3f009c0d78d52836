"""Goals as data: load a goal (with its requirements) from JSON and export it back, validating
every requirement's parameters first. The seeded goals come from incentives/data/goals.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

SEED = Path(__file__).resolve().parent / "data" / "goals.json"
GOAL_FIELDS = ["number", "year", "title", "deadline", "categories", "minimum_score"]
REQUIREMENT_FIELDS = [
    "title",
    "specification",
    "verification_means",
    "points",
    "mandatory",
    "kind",
    "params",
]


def goal_to_dict(goal) -> dict[str, Any]:
    return {
        "code": goal.code,
        **{
            f: (str(getattr(goal, f)) if f == "deadline" else getattr(goal, f)) for f in GOAL_FIELDS
        },
        "working_model": goal.working_model,
        "requirements": [
            {"code": r.code, **{f: getattr(r, f) for f in REQUIREMENT_FIELDS}}
            for r in goal.requirements.order_by("order", "code")
        ],
    }


@transaction.atomic
def goal_load(data: dict[str, Any], *, goal_model=None, requirement_model=None, working_model=None):
    """Create or replace a goal and its requirement table. Raises ValidationError listing every
    problem; nothing is written then. Models may be passed by a data migration."""
    if goal_model is None:
        from .models import Goal as goal_model  # noqa: N813
        from .models import Requirement as requirement_model
    from .checks import validate_params

    errors = []
    for index, req in enumerate(data.get("requirements", []), start=1):
        for message in validate_params(req.get("kind", ""), req.get("params", {})):
            errors.append(f"{req.get('code', index)}: {message}")
    if not data.get("requirements"):
        errors.append("La meta no tiene requisitos.")
    if errors:
        raise ValidationError(errors)
    defaults = {f: data[f] for f in GOAL_FIELDS}
    defaults["working_model"] = (
        data.get("working_model", True) if working_model is None else working_model
    )
    goal, _created = goal_model.objects.update_or_create(code=data["code"], defaults=defaults)
    codes = []
    for order, req in enumerate(data["requirements"]):
        codes.append(req["code"])
        requirement_model.objects.update_or_create(
            goal=goal,
            code=req["code"],
            defaults={
                "order": order,
                "title": req["title"],
                "specification": req.get("specification", ""),
                "verification_means": req.get("verification_means", ""),
                "points": req["points"],
                "mandatory": req.get("mandatory", False),
                "kind": req["kind"],
                "params": req.get("params", {}),
            },
        )
    # A requirement left out of the new table goes only if nothing refers to it: results of past
    # runs and presented evidence are records, and are never deleted with it.
    dropped = requirement_model.objects.filter(goal=goal).exclude(code__in=codes)
    apps = requirement_model._meta.apps
    used = dropped.filter(
        Q(pk__in=apps.get_model("incentives", "RequirementResult").objects.values("requirement_id"))
        | Q(pk__in=apps.get_model("incentives", "Evidence").objects.values("requirement_id"))
    )
    kept = sorted(used.values_list("code", flat=True))
    if kept:
        raise ValidationError(
            [
                _(
                    "%(code)s: el requisito ya tiene resultados o evidencias y no se quita de la "
                    "meta; inclúyalo en la tabla."
                )
                % {"code": code}
                for code in kept
            ]
        )
    dropped.delete()
    return goal


def seed_goals(
    goal_model=None, requirement_model=None, *, codes: set[str] | None = None, only_missing=False
) -> int:
    """Load the seed goals (those of `codes`, or all); with `only_missing`, a goal already in the
    database is left as the admin left it. Returns how many were loaded."""
    data = json.loads(SEED.read_text(encoding="utf-8"))
    goals = [g for g in data["goals"] if codes is None or g["code"] in codes]
    if only_missing:
        if goal_model is None:
            from .models import Goal as goal_model  # noqa: N813
        present = set(goal_model.objects.values_list("code", flat=True))
        goals = [g for g in goals if g["code"] not in present]
    for goal in goals:
        goal_load(
            goal, goal_model=goal_model, requirement_model=requirement_model, working_model=True
        )
    return len(goals)
