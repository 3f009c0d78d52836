from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from common import spreadsheets

from .models import (
    ApiToken,
    AtmBudget,
    AtmOffice,
    Department,
    District,
    DistrictCategory,
    Province,
    TokenRevocation,
    User,
)
from .services import api_tokens_revoke, api_tokens_revoke_all, categories_import


class NoDeleteMixin:
    """Nothing is hard-deleted, not even by an administrator (README, "What is never
    deleted"): no delete button, no "delete selected" action (Django offers an action only to
    those with its permission), no deleting inline rows. Records are dissolved, retired,
    voided or deactivated through their services instead."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name", "name_search"]


@admin.register(Province)
class ProvinceAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["code", "name", "department"]
    list_filter = ["department"]
    search_fields = ["code", "name", "name_search"]
    list_select_related = ["department"]


@admin.register(District)
class DistrictAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["ubigeo", "name", "province", "department"]
    list_filter = ["department"]
    search_fields = ["ubigeo", "name", "name_search"]
    list_select_related = ["province", "department"]
    readonly_fields = ["ubigeo"]


class CategoryImportForm(forms.Form):
    file = forms.FileField(label=_("Archivo CSV (ubigeo,year,category)"))


@admin.register(DistrictCategory)
class DistrictCategoryAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["district", "year", "category"]
    list_filter = ["year", "category"]
    search_fields = ["district__ubigeo", "district__name"]
    autocomplete_fields = ["district"]
    list_select_related = ["district"]
    change_list_template = "admin/territory/districtcategory/change_list.html"

    def get_urls(self):
        return [
            path(
                "importar/",
                self.admin_site.admin_view(self.import_view),
                name="territory_districtcategory_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = CategoryImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                spreadsheets.check_size(upload.size)  # before a byte of it is read
            except spreadsheets.SpreadsheetRefused as refused:
                errors = [str(refused)]
            else:
                result = categories_import(content=upload.read())
                if result.ok:
                    self.message_user(
                        request,
                        _("Importación correcta: %(c)d nuevos, %(u)d actualizados.")
                        % {"c": result.created, "u": result.updated},
                        messages.SUCCESS,
                    )
                    return redirect("admin:territory_districtcategory_changelist")
                errors = result.errors
        return render(
            request,
            "admin/territory/districtcategory/import.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "errors": errors,
                "title": _("Importar tipos de municipalidad"),
                "opts": self.model._meta,
            },
        )


class AtmBudgetInline(NoDeleteMixin, admin.TabularInline):
    model = AtmBudget
    extra = 0


@admin.register(AtmOffice)
class AtmOfficeAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["district", "ordinance_number", "ordinance_date", "head_name"]
    search_fields = ["district__ubigeo", "district__name", "head_name"]
    autocomplete_fields = ["district"]
    list_select_related = ["district"]
    inlines = [AtmBudgetInline]


@admin.register(User)
class UserAdmin(NoDeleteMixin, BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "district", "is_active", "is_superuser"]
    list_filter = ["role", "is_active", "is_superuser"]
    autocomplete_fields = ["district"]
    list_select_related = ["district"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Rol en ATO"), {"fields": ["role", "district"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Rol en ATO"), {"fields": ["role", "district"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivating a user revokes their API tokens, as `user_deactivate` does.
            api_tokens_revoke_all(user=obj, reason=TokenRevocation.DEACTIVATED)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API and never edited; an admin may revoke them (kept)."""

    list_display = ["prefix", "user", "created", "last_used", "expires", "revoked_at"]
    list_filter = ["revoked_reason"]
    search_fields = ["user__username", "prefix"]
    list_select_related = ["user"]
    fields = list_display + ["revoked_reason"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revocar los tokens seleccionados"))
    def revoke(self, request, queryset):
        count = api_tokens_revoke(tokens=queryset, reason=TokenRevocation.BY_ADMIN)
        self.message_user(request, _("Tokens revocados: %(n)d.") % {"n": count})
