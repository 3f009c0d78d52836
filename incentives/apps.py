from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Metas del Programa de Incentivos")
