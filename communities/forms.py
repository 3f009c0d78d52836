from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jass_registry.models import Jass, JassStatus, WaterSystem
from territory.forms import DateInput

from .models import CentreService, PopulatedCentre
from .services import CENTRE_FIELDS


class CentreForm(forms.ModelForm):
    """Register or edit a centre; the model's rules (the code starts with the district's
    ubigeo, bounds, Peru's coordinates) are checked by its full_clean."""

    class Meta:
        model = PopulatedCentre
        fields = CENTRE_FIELDS  # the same fields the service writes
        help_texts = {
            "code": _("10 dígitos: el ubigeo del distrito y 4 dígitos del INEI."),
            "households": _("Viviendas del centro poblado (censo o empadronamiento)."),
            "latitude": _("Grados decimales, p. ej. -7.479444"),
            "longitude": _("Grados decimales, p. ej. -78.819722"),
        }

    def __init__(self, *args, district_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.district_id = district_id
        self.fields["code"].widget.attrs.update(
            {"inputmode": "numeric", "pattern": "[0-9]{10}", "maxlength": "10"}
        )
        for name in ("households", "population"):
            self.fields[name].widget.attrs.update({"min": "0"})


class ServiceForm(forms.ModelForm):
    """A JASS of the centre's district (and one of its water systems) serving the centre."""

    class Meta:
        model = CentreService
        fields = ["jass", "water_system", "households_served"]
        help_texts = {
            "water_system": _("Opcional: el sistema de la JASS que llega al centro poblado."),
        }

    def __init__(self, *args, centre: PopulatedCentre, **kwargs):
        super().__init__(*args, instance=CentreService(centre=centre), **kwargs)
        self.fields["jass"].queryset = (
            Jass.objects.in_district(centre.district_id)
            .exclude(status=JassStatus.DISSOLVED)
            .order_by("name", "pk")
        )
        self.fields["water_system"].queryset = (
            WaterSystem.objects.filter(
                jass__district_id=centre.district_id, retired_on__isnull=True
            )
            .select_related("jass")
            .order_by("jass__name", "name", "pk")
        )
        self.fields["water_system"].label_from_instance = lambda s: f"{s.name} ({s.jass.name})"
        self.fields["households_served"].widget.attrs.update({"min": "1"})
        self.fields["households_served"].initial = centre.households or None


class EndServiceForm(forms.Form):
    ended_on = forms.DateField(label=_("Fecha de fin del servicio"), widget=DateInput())
    confirm = forms.BooleanField(
        label=_("Confirmo que esta JASS ya no atiende al centro poblado."), required=True
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"ended_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class RetireCentreForm(forms.Form):
    retired_on = forms.DateField(label=_("Fecha de baja"), widget=DateInput())
    confirm = forms.BooleanField(
        label=_(
            "Confirmo que el centro poblado sale del registro (fusionado, despoblado o "
            "registrado dos veces). Sus servicios terminan ese día; su historial se conserva."
        ),
        required=True,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"retired_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
