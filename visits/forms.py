from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from common.uploads import MAX_UPLOAD_BYTES, UploadField
from common.validators import no_control_characters
from jass_registry.models import Jass, JassStatus, WaterSystem
from territory.forms import DateInput

from .models import (
    Agreement,
    AgreementNote,
    ChlorineReading,
    Topic,
    Visit,
)
from .services import MAX_AGREEMENTS_PER_VISIT, MAX_READINGS_PER_VISIT


class JassPickForm(forms.Form):
    jass = forms.ModelChoiceField(queryset=Jass.objects.none(), label=_("JASS visitada"))

    def __init__(self, *args, district_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jass"].queryset = Jass.objects.filter(district_id=district_id).exclude(
            status=JassStatus.DISSOLVED
        )


class VisitForm(forms.ModelForm):
    # A new visit's identity, made when the form is shown: a form sent twice (a double tap, a
    # resend after a lost answer) is the same visit (services.visit_receive), as from the phone.
    submission = forms.UUIDField(required=False, widget=forms.HiddenInput)
    topics = forms.MultipleChoiceField(
        label=_("Temas"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Visit
        fields = [
            "date",
            "kind",
            "topics",
            "attendees",
            "findings",
            "finances_reviewed",
            "cash_balance",
        ]
        widgets = {"date": DateInput(), "findings": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"cash_balance": _("Solo si se revisaron las cuentas.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cash_balance"].widget.attrs.update({"step": "0.01", "min": "0"})

    def clean(self):
        data = super().clean()
        if data.get("cash_balance") is not None and not data.get("finances_reviewed"):
            self.add_error(
                "cash_balance", _("El saldo en caja se registra solo si se revisaron las cuentas.")
            )
        return data


class ReadingForm(forms.ModelForm):
    class Meta:
        model = ChlorineReading
        fields = ["water_system", "point", "mg_per_l"]
        widgets = {
            "mg_per_l": forms.NumberInput(
                attrs={"step": "0.01", "min": "0", "max": "5", "inputmode": "decimal"}
            )
        }

    def __init__(self, *args, systems=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["water_system"].queryset = (
            systems if systems is not None else WaterSystem.objects.none()
        )
        self.use_required_attribute = False


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["task", "responsible", "due_on"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.use_required_attribute = False


class BaseRowsFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        return [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


# The service's caps; absolute_max too, so that a forged TOTAL_FORMS builds no more forms.
ReadingFormSet = formset_factory(
    ReadingForm,
    formset=BaseRowsFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_READINGS_PER_VISIT,
    absolute_max=MAX_READINGS_PER_VISIT,
    validate_max=True,
)
AgreementFormSet = formset_factory(
    AgreementForm,
    formset=BaseRowsFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_AGREEMENTS_PER_VISIT,
    absolute_max=MAX_AGREEMENTS_PER_VISIT,
    validate_max=True,
)


class VoidForm(forms.Form):
    """Voiding a visit asks why and a confirmation; the visit is kept, marked voided."""

    reason = forms.CharField(
        label=_("Motivo de la anulación"),
        max_length=Visit._meta.get_field("void_reason").max_length,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_(
            "Confirmo que la visita se anula. Se conserva con sus mediciones y acuerdos, "
            "pero deja de contar."
        ),
        required=True,
    )


# --- agreements follow-up and the signed acta (issue 13) ----------------------------------------


class AgreementDoneForm(forms.Form):
    """Marcar cumplido: the day it was done (the page fills in today). The rule (not after
    today, not before the visit) is the service's; empty means today."""

    done_on = forms.DateField(label=_("Cumplido el"), required=False, widget=DateInput())


class AgreementNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Nota de seguimiento"),
        max_length=AgreementNote._meta.get_field("text").max_length,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActaUploadForm(forms.Form):
    file = UploadField(
        label=_("Foto o escaneo del acta firmada"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, JPEG o PNG, de hasta %(mb)d MB.") % {
            "mb": MAX_UPLOAD_BYTES // (1024 * 1024)
        }
