"""Forms of the agenda (visits/schedule.py holds the rules; these only offer the choices)."""

from __future__ import annotations

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from common.validators import no_control_characters
from territory.forms import DateInput

from .models import MAX_PLANNED_VISITS, ScheduledVisit
from .schedule import CANCEL_REASON_MAX_LENGTH, district_staff, last_plannable_day, plannable_jass


def _staff_label(user) -> str:
    return user.get_full_name() or user.username


class ScheduledVisitForm(forms.ModelForm):
    """Plan or re-plan a visit: the district's JASS (not the dissolved), its ATM staff (or
    nobody yet), a day up to `last_plannable_day`. The service checks all of it again."""

    class Meta:
        model = ScheduledVisit
        fields = ["date", "jass", "staff", "kind", "purpose"]
        widgets = {"date": DateInput(attrs={"min": "2000-01-01"})}

    def __init__(self, *args, district_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jass"].queryset = plannable_jass(district_id)
        staff = self.fields["staff"]
        staff.queryset = district_staff(district_id)
        staff.label_from_instance = _staff_label
        staff.empty_label = _("Sin asignar")
        self.fields["kind"].choices = [("", _("Sin indicar"))] + list(self.fields["kind"].choices)[
            1:
        ]
        latest = last_plannable_day()
        self.fields["date"].widget.attrs["max"] = latest.isoformat()
        self.fields["date"].help_text = _("Desde el año 2000 hasta el %(d)s.") % {
            "d": latest.strftime("%d/%m/%Y")
        }
        self.fields["purpose"].widget.attrs["placeholder"] = _(
            "Por ejemplo: capacitación en cloración, revisión de cuentas"
        )

    def _post_clean(self):
        # The service validates the row (model and agenda rules) and its errors are shown by
        # field; the ModelForm's own instance validation would say the same thing twice.
        pass


class CancelScheduledForm(forms.Form):
    """Cancelling a planned visit asks why and a confirmation; the row is kept."""

    reason = forms.CharField(
        label=_("Motivo de la cancelación"),
        max_length=CANCEL_REASON_MAX_LENGTH,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_(
            "Confirmo que la visita programada se cancela. Se conserva en la agenda como "
            "cancelada, con su motivo."
        ),
        required=True,
    )


class PlanMonthForm(forms.Form):
    """The plan grid's form: N unassigned visits to a JASS in a month of the plan's year."""

    jass = forms.ModelChoiceField(queryset=None, label=_("JASS"))
    month = forms.TypedChoiceField(
        label=_("Mes"), coerce=int, choices=[(m, name.capitalize()) for m, name in MONTHS.items()]
    )
    count = forms.IntegerField(
        label=_("Visitas"), min_value=1, max_value=MAX_PLANNED_VISITS, initial=1
    )
    purpose = forms.CharField(
        label=_("Propósito"),
        required=False,
        max_length=ScheduledVisit._meta.get_field("purpose").max_length,
        validators=[no_control_characters],
    )

    def __init__(self, *args, district_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jass"].queryset = plannable_jass(district_id)
        self.fields["count"].widget.attrs["inputmode"] = "numeric"
