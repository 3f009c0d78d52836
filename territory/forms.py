from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AtmBudget, AtmOffice


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AtmOfficeForm(forms.ModelForm):
    class Meta:
        model = AtmOffice
        fields = [
            "ordinance_number",
            "ordinance_date",
            "in_rof",
            "in_mof",
            "head_name",
            "head_resolution",
            "head_designated_on",
            "address",
            "email",
        ]
        widgets = {"ordinance_date": DateInput(), "head_designated_on": DateInput()}

    def clean(self):
        data = super().clean()
        if bool(data.get("ordinance_number")) != bool(data.get("ordinance_date")):
            raise forms.ValidationError(
                _("Indique el número y la fecha de la ordenanza de creación, o ninguno.")
            )
        if data.get("in_rof") and not data.get("ordinance_number"):
            self.add_error(
                "in_rof", _("El ATM debe estar creada por ordenanza antes de incluirse en el ROF.")
            )
        return data


class AtmBudgetForm(forms.ModelForm):
    class Meta:
        model = AtmBudget
        fields = ["year", "amount", "description"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year + 1:
            raise forms.ValidationError(_("El año no puede ser posterior al próximo año."))
        return year


AtmBudgetFormSet = inlineformset_factory(
    AtmOffice, AtmBudget, form=AtmBudgetForm, extra=1, can_delete=False, max_num=30
)
