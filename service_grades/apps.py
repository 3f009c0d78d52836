from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceGradesConfig(AppConfig):
    """Service assessments at visits and the A–D grades of water systems and JASS ("forever")."""

    name = "service_grades"
    verbose_name = _("Niveles de servicio")
