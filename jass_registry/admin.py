from django.contrib import admin

from territory.admin import NoDeleteMixin

from .models import BoardMember, BoardTerm, Jass, WaterSystem


class WaterSystemInline(NoDeleteMixin, admin.TabularInline):
    model = WaterSystem
    extra = 0


@admin.register(Jass)
class JassAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "district", "kind", "status", "registry_number"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "registry_number", "district__ubigeo", "district__name"]
    autocomplete_fields = ["district"]
    list_select_related = ["district"]
    inlines = [WaterSystemInline]
    # Dissolving has its own action with a reason (services.jass_dissolve); a dissolved JASS
    # is not revived. The admin corrects typos, not the legal status.
    readonly_fields = ["status"]


class BoardMemberInline(NoDeleteMixin, admin.TabularInline):
    model = BoardMember
    extra = 0
    # Ley 29733: a name, DNI or phone is corrected only by the district's ATM head, with a
    # reason that the JASS history keeps (personal_data.board_member_rectify); boards start
    # through board_term_start (page and API), which records them.
    readonly_fields = ["full_name", "dni", "phone", "personal_data_erased_on"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BoardTerm)
class BoardTermAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["jass", "starts_on", "ends_on"]
    autocomplete_fields = ["jass"]
    list_select_related = ["jass"]
    inlines = [BoardMemberInline]
