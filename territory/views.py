"""The ATM office page of a district: read by its staff and by reviewers, edited by its staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .access import district_for_read
from .forms import AtmBudgetFormSet, AtmOfficeForm
from .models import AtmOffice


@login_required
def office_detail(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    office = (
        AtmOffice.objects.visible_to(request.user)
        .filter(district=district)
        .prefetch_related("budgets")
        .first()
    )
    return render(
        request,
        "territory/office_detail.html",
        {
            "district": district,
            "office": office,
            "can_edit": request.user.is_staff_of(district.ubigeo),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def office_edit(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    if not request.user.is_staff_of(district.ubigeo):
        if request.user.is_atm:
            raise Http404  # another district's staff: not revealed
        raise PermissionDenied(_("Solo el personal del ATM del distrito puede editar su ficha."))
    office = AtmOffice.objects.editable_by(request.user).filter(district=district).first()
    office = office or AtmOffice(district=district)
    form = AtmOfficeForm(request.POST or None, instance=office)
    budgets = AtmBudgetFormSet(request.POST or None, instance=office, prefix="budgets")
    if request.method == "POST":
        if form.is_valid() and budgets.is_valid():
            with transaction.atomic():
                office = form.save()
                budgets.instance = office
                budgets.save()
            messages.success(request, _("Se guardaron los datos del ATM."))
            return redirect("territory:office", ubigeo=district.ubigeo)
        messages.error(request, _("Revise los datos marcados: no se guardó nada."))
    return render(
        request,
        "territory/office_form.html",
        {"district": district, "form": form, "budgets": budgets},
    )
