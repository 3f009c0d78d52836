"""The ATM office page of a district: read by its staff and by reviewers, edited by its staff.
"Mi cuenta": the signed-in user's own API tokens and weekly digest choice."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .access import district_for_read, district_for_write
from .forms import AtmBudgetFormSet, AtmOfficeForm
from .models import ApiToken, AtmOffice, Notification, TokenRevocation
from .services import api_token_revoke


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
    district = district_for_write(
        request.user,
        ubigeo,
        refusal=_("Solo el personal del ATM del distrito puede editar su ficha."),
    )
    office = AtmOffice.objects.editable_by(request.user).filter(district=district).first()
    office = office or AtmOffice(district=district)
    form = AtmOfficeForm(request.POST or None, instance=office)
    budgets = AtmBudgetFormSet(request.POST or None, instance=office, prefix="budgets")
    if request.method == "POST":
        if form.is_valid() and budgets.is_valid():
            services.office_save(user=request.user, office_form=form, budget_formset=budgets)
            messages.success(request, _("Se guardaron los datos del ATM."))
            return redirect("territory:office", ubigeo=district.ubigeo)
        messages.error(request, _("Revise los datos marcados: no se guardó nada."))
    return render(
        request,
        "territory/office_form.html",
        {"district": district, "form": form, "budgets": budgets},
    )


# --- my account: the user's own API tokens -------------------------------------------------------


@login_required
def account(request: HttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.of(request.user).select_related("user")
    now = timezone.now()
    return render(
        request,
        "territory/account.html",
        {
            "tokens": [(token, token.state(now)) for token in tokens],
            "ttl_days": settings.ATO_TOKEN_TTL_DAYS,
        },
    )


@login_required
@require_POST
def digest_preference(request: HttpRequest) -> HttpResponse:
    """The user's own choice of the weekly digest email (a checkbox in "Mi cuenta")."""
    enabled = request.POST.get("weekly_digest") == "on"
    services.user_digest_set(user=request.user, enabled=enabled)
    messages.success(
        request,
        _("Recibirá el resumen semanal por correo.")
        if enabled
        else _("Ya no recibirá el resumen semanal por correo."),
    )
    return redirect("territory:account")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Another user's token is not revealed: 404, as for any object out of scope.
    token = get_object_or_404(ApiToken.objects.of(request.user), pk=pk)
    api_token_revoke(token=token, reason=TokenRevocation.BY_USER)
    messages.success(request, _("Se revocó el token %(prefix)s….") % {"prefix": token.prefix})
    return redirect("territory:account")


# --- notifications ----------------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's own notifications, newest first; unread ones marked."""
    page = Paginator(Notification.objects.of(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "territory/notifications.html", {"page": page, "query": ""})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to what it is about (another user's is 404)."""
    item = get_object_or_404(Notification.objects.of(request.user), pk=pk)
    services.notification_read(user=request.user, notification=item)
    # The link was written by ATO itself (a path); anything else goes back to the list.
    return redirect(
        item.url
        if item.url.startswith("/") and not item.url.startswith("//")
        else "territory:notifications"
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    services.notifications_read_all(user=request.user)
    messages.success(request, _("Todas las notificaciones quedaron como leídas."))
    return redirect("territory:notifications")
