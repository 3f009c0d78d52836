from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from territory.admin import NoDeleteMixin

from .models import DistrictResult, EvaluationRun, Evidence, EvidenceEvent, Goal, Requirement


class RequirementInline(NoDeleteMixin, admin.TabularInline):
    model = Requirement
    extra = 0
    fields = [
        "order",
        "code",
        "title",
        "kind",
        "params",
        "points",
        "mandatory",
        "verification_means",
    ]


@admin.register(Goal)
class GoalAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Goals are data: an admin replaces a working-model table with the official one, or adds
    a new year's goal, here (or with `manage.py import_goal FILE.json`), without code. Each
    requirement's parameters are validated for its check kind when saved."""

    list_display = ["code", "title", "year", "deadline", "minimum_score", "working_model"]
    list_filter = ["year", "working_model"]
    search_fields = ["code", "title"]
    inlines = [RequirementInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "number",
                    "year",
                    "title",
                    "deadline",
                    "categories",
                    "minimum_score",
                ]
            },
        ),
        (
            _("Tabla de requisitos"),
            {
                "fields": ["working_model"],
                "description": _(
                    "Desmarque «modelo de trabajo» al cargar la tabla oficial publicada de la meta."
                ),
            },
        ),
    ]


class EvidenceEventInline(NoDeleteMixin, admin.TabularInline):
    model = EvidenceEvent
    extra = 0
    readonly_fields = ["status", "comment", "user", "at"]
    can_delete = False


@admin.register(Evidence)
class EvidenceAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["district", "doc_type", "number", "status", "created_at"]
    list_filter = ["status", "doc_type"]
    search_fields = ["district__ubigeo", "district__name", "number"]
    list_select_related = ["district"]
    inlines = [EvidenceEventInline]
    readonly_fields = ["file"]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = [
        "goal",
        "cutoff",
        "kind",
        "status",
        "districts_done",
        "districts_total",
        "created_at",
    ]
    list_filter = ["kind", "status", "goal"]
    readonly_fields = ["districts_total", "districts_done", "status", "finished_at"]


@admin.register(DistrictResult)
class DistrictResultAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["run", "district", "score", "passed", "review"]
    list_filter = ["passed", "review"]
    search_fields = ["district__ubigeo", "district__name"]
    list_select_related = ["run", "run__goal", "district"]
