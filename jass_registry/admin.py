from django.contrib import admin

from .models import BoardMember, BoardTerm, Jass, WaterSystem


class WaterSystemInline(admin.TabularInline):
    model = WaterSystem
    extra = 0


@admin.register(Jass)
class JassAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "kind", "status", "registry_number"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "registry_number", "district__ubigeo", "district__name"]
    autocomplete_fields = ["district"]
    list_select_related = ["district"]
    inlines = [WaterSystemInline]


class BoardMemberInline(admin.TabularInline):
    model = BoardMember
    extra = 0


@admin.register(BoardTerm)
class BoardTermAdmin(admin.ModelAdmin):
    list_display = ["jass", "starts_on", "ends_on"]
    autocomplete_fields = ["jass"]
    list_select_related = ["jass"]
    inlines = [BoardMemberInline]
