from django.db import models
from django.utils.translation import gettext_lazy as _


class SyntheticDataset(models.Model):
    """Marks a database filled by `generate_dataset`: its registry, visits, offices and
    categories are synthetic and may be wiped by the next generation. A database without this
    row that holds JASS or visits is treated as real data and never wiped unless forced."""

    scale = models.CharField(_("escala"), max_length=16)
    seed = models.IntegerField(_("semilla"))
    until = models.DateField(_("datos hasta"))
    counts = models.JSONField(_("filas generadas"), default=dict)
    seconds = models.FloatField(_("segundos"), default=0)
    created_at = models.DateTimeField(_("generado"), auto_now_add=True)

    class Meta:
        verbose_name = _("conjunto de datos sintético")
        verbose_name_plural = _("conjuntos de datos sintéticos")

    def __str__(self) -> str:
        return f"{self.scale} seed={self.seed} until={self.until}"
