from django.contrib import admin

from territory.admin import NoDeleteMixin

from .models import CentreChange, CentreService, CoverageQuarter, PopulatedCentre


class CentreServiceInline(NoDeleteMixin, admin.TabularInline):
    model = CentreService
    extra = 0
    autocomplete_fields = ["jass"]
    raw_id_fields = ["water_system"]


@admin.register(PopulatedCentre)
class PopulatedCentreAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["code", "name", "district", "area", "households", "population", "retired_on"]
    list_filter = ["area"]
    search_fields = ["code", "name", "district__ubigeo", "district__name"]
    autocomplete_fields = ["district"]
    list_select_related = ["district"]
    inlines = [CentreServiceInline]


@admin.register(CoverageQuarter)
class CoverageQuarterAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Written by coverage.coverage_snapshot only: read here, never edited."""

    list_display = ["district", "quarter", "households", "households_served", "computed_at"]
    list_filter = ["quarter"]
    search_fields = ["district__ubigeo", "district__name"]
    list_select_related = ["district"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CentreChange)
class CentreChangeAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["at", "centre", "action", "user"]
    list_filter = ["action"]
    list_select_related = ["centre", "user"]
    raw_id_fields = ["centre", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
