"""The service assessment form: one water system at one visit."""

from __future__ import annotations

from django import forms

from jass_registry.models import SystemType

from .models import NOT_APPLICABLE, ServiceAssessment
from .services import ASSESSMENT_FIELDS

TREATED = (SystemType.GRAVITY_TREATED, SystemType.PUMPED_TREATED)


class AssessmentForm(forms.ModelForm):
    """The model validates (hours 0–24, paid ≤ associates, treatment judged when the system
    has one, the system of the visited JASS); the form only lays the fields out."""

    class Meta:
        model = ServiceAssessment
        fields = ASSESSMENT_FIELDS
        widgets = {
            "hours_dry": forms.NumberInput(attrs={"min": 0, "max": 24, "inputmode": "numeric"}),
            "hours_rainy": forms.NumberInput(attrs={"min": 0, "max": 24, "inputmode": "numeric"}),
            "associates": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "associates_paid": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and self.instance.water_system.system_type in TREATED:
            # A treated system's treatment is judged: nothing preselected, "no aplica" refused
            # by the model.
            self.initial["treatment"] = ""
            self.fields["treatment"].choices = [
                ("", "---------"),
                *[c for c in self.fields["treatment"].choices if c[0] not in ("", NOT_APPLICABLE)],
            ]
