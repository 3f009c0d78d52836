from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JassRegistryConfig(AppConfig):
    name = "jass_registry"
    verbose_name = _("Registro de organizaciones comunales (JASS)")
