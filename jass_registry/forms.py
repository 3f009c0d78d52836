from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from common.validators import no_control_characters
from territory.forms import DateInput

from .models import (
    BoardMember,
    BoardRole,
    BoardTerm,
    Jass,
    JassStatus,
    WaterSystem,
    dni_validator,
)
from .services import JASS_FIELDS, MAX_BOARD_MEMBERS, jass_similar_names


class JassForm(forms.ModelForm):
    """Register or edit a JASS. Before a new JASS is saved, a similar name in the district asks
    for a confirmation (accents, case and the words "JASS"/"de" ignored)."""

    confirm_similar = forms.BooleanField(
        required=False,
        widget=forms.HiddenInput,
        label=_("Registrar aunque el nombre se parezca a otro"),
    )

    class Meta:
        model = Jass
        fields = JASS_FIELDS  # the same fields the service writes
        widgets = {"recognized_on": DateInput()}
        help_texts = {
            "monthly_fee": _("En soles, con dos decimales (p. ej. 2.50)."),
            "latitude": _("Grados decimales, p. ej. -7.479444"),
            "longitude": _("Grados decimales, p. ej. -78.819722"),
        }

    def __init__(self, *args, district_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_id = district_id
        self.instance.district_id = district_id
        self.similar: list[Jass] = []
        # Dissolving is its own confirmed action, not a status picked in the form.
        if self.instance.status != JassStatus.DISSOLVED:
            self.fields["status"].choices = [
                c for c in JassStatus.choices if c[0] != JassStatus.DISSOLVED
            ]
        self.fields["monthly_fee"].widget.attrs.update({"step": "0.01", "min": "0"})
        self.fields["associates"].widget.attrs.update({"min": "0"})

    def clean(self):
        data = super().clean()
        name = data.get("name")
        if name and not self.instance.pk and not data.get("confirm_similar"):
            self.similar = jass_similar_names(district_id=self.district_id, name=name)
            if self.similar:
                self.fields["confirm_similar"].widget = forms.CheckboxInput()
                raise forms.ValidationError(
                    _(
                        "El distrito ya tiene una organización con un nombre parecido: %(names)s. "
                        "Revise que no sea la misma; si es otra, marque la casilla y guarde."
                    )
                    % {"names": ", ".join(j.name for j in self.similar)},
                    code="similar_name",
                )
        return data


class WaterSystemForm(forms.ModelForm):
    class Meta:
        model = WaterSystem
        fields = [
            "name",
            "system_type",
            "built_year",
            "households",
            "chlorination",
            "condition",
            "latitude",
            "longitude",
        ]
        help_texts = {
            "latitude": _("Grados decimales, p. ej. -7.479444 (la captación o el reservorio)"),
            "longitude": _("Grados decimales, p. ej. -78.819722"),
        }


class RetireForm(forms.Form):
    retired_on = forms.DateField(label=_("Fecha de baja"), widget=DateInput())


class DissolveForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo (acta de asamblea, resolución…)"),
        max_length=300,
        required=True,
        validators=[no_control_characters],
    )
    confirm = forms.BooleanField(
        label=_("Confirmo que la organización se disuelve. Su historial se conserva."),
        required=True,
    )


class BoardTermForm(forms.ModelForm):
    class Meta:
        model = BoardTerm
        fields = ["starts_on", "ends_on", "elected_on", "election_record"]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "elected_on": DateInput(),
        }

    def _post_clean(self):
        # The term has no JASS yet; the service checks the dates and the overlap.
        self.instance.jass_id = self.initial.get("jass_id")
        super()._post_clean()


class BoardMemberForm(forms.ModelForm):
    class Meta:
        model = BoardMember
        fields = ["role", "full_name", "dni", "sex", "phone", "starts_on", "ends_on"]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "dni": forms.TextInput(
                attrs={"inputmode": "numeric", "pattern": "[0-9]{8}", "autocomplete": "off"}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A row left blank is simply not a member (boards of fewer than five exist).
        self.fields["full_name"].required = False
        self.fields["role"].required = False
        self.empty_permitted = True
        self.use_required_attribute = False

    def clean(self):
        data = super().clean()
        filled = any(data.get(f) for f in ("dni", "phone", "starts_on", "ends_on"))
        if filled and not data.get("full_name"):
            self.add_error("full_name", _("Indique los nombres y apellidos."))
        if data.get("full_name") and not data.get("role"):
            self.add_error("role", _("Indique el cargo."))
        return data

    def validate_unique(self):
        # Unique roles per term are checked across the whole formset by the service.
        pass


class BaseMemberFormSet(forms.BaseFormSet):
    def members(self) -> list[dict]:
        return [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data
            and f.cleaned_data.get("full_name")
            and not f.cleaned_data.get("DELETE")
        ]


BoardMemberFormSet = formset_factory(
    BoardMemberForm,
    formset=BaseMemberFormSet,
    extra=0,
    max_num=MAX_BOARD_MEMBERS,
    absolute_max=MAX_BOARD_MEMBERS,
    validate_max=True,
)

DEFAULT_ROLES = [
    BoardRole.PRESIDENT,
    BoardRole.SECRETARY,
    BoardRole.TREASURER,
    BoardRole.VOCAL,
    BoardRole.FISCAL,
]


# --- personal data (Ley 29733; jass_registry/personal_data.py) ---------------------------------


class PersonSearchForm(forms.Form):
    """A DNI to look up, sent by POST: it never travels in a URL, a log line or a history."""

    dni = forms.CharField(
        label=_("DNI de la persona"),
        min_length=8,
        max_length=8,
        validators=[dni_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PersonExportForm(PersonSearchForm):
    fmt = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")])


class MemberRectifyForm(forms.Form):
    """The fields a person may have corrected (derecho de rectificación), with a reason."""

    full_name = forms.CharField(
        label=_("Nombres y apellidos"), max_length=150, validators=[no_control_characters]
    )
    dni = forms.CharField(
        label=_("DNI"),
        max_length=8,
        required=False,
        validators=[dni_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Teléfono"), max_length=20, required=False, validators=[no_control_characters]
    )
    reason = forms.CharField(
        label=_("Motivo (solicitud de la persona, documento que lo sustenta…)"),
        max_length=300,
        validators=[no_control_characters],
    )
