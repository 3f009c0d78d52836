"""Forms of the goal pages: starting a run, a reviewer's comment and an evidence upload."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.uploads import UploadField
from common.validators import no_control_characters
from territory.forms import DateInput

from .checks import CheckKind
from .models import DistrictResult, Evidence, Requirement, RunKind


class RunForm(forms.Form):
    cutoff = forms.DateField(label=gettext_lazy("Fecha de corte"), widget=DateInput())
    kind = forms.ChoiceField(label=gettext_lazy("Tipo"), choices=RunKind.choices)


class ReviewForm(forms.Form):
    """A reviewer's comment on a result or an evidence item (bounded like the stored one)."""

    comment = forms.CharField(
        label=gettext_lazy("Comentario"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=DistrictResult._meta.get_field("review_comment").max_length,
        validators=[no_control_characters],
    )


class EvidenceForm(forms.Form):
    requirement = forms.ModelChoiceField(
        queryset=Requirement.objects.none(), label=gettext_lazy("Requisito")
    )
    number = forms.CharField(
        label=gettext_lazy("Número del documento"),
        max_length=Evidence._meta.get_field("number").max_length,
        validators=[no_control_characters],
    )
    issued_on = forms.DateField(label=gettext_lazy("Fecha del documento"), widget=DateInput())
    file = UploadField(label=gettext_lazy("Archivo (PDF, JPEG o PNG, hasta 10 MB)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].queryset = (
            Requirement.objects.filter(kind=CheckKind.EVIDENCE)
            .select_related("goal")
            .order_by("-goal__year", "goal__number", "order")
        )
        self.fields["requirement"].label_from_instance = (
            lambda r: f"{r.goal.code} · {r.code} · {r.title}"
        )

    def clean_issued_on(self):
        value = self.cleaned_data["issued_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("La fecha no puede ser posterior a hoy."))
        return value
