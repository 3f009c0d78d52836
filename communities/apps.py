from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    """Populated centres (centros poblados), which JASS and water systems serve them, and the
    district's coverage ("everyone")."""

    name = "communities"
    verbose_name = _("Centros poblados y cobertura")
