"""Text helpers for Spanish names: accent-free search keys and Spanish sort order."""

import unicodedata

from django.db.models import Func


def fold(text: str) -> str:
    """Search key: lower case, accents and tildes removed ("Ñahuimpuquio" -> "nahuimpuquio")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


class SpanishOrder(Func):
    """Order by a text column in Spanish order (Áncash before Arequipa, Ñ after N).

    PostgreSQL uses the ICU collation es-PE; SQLite, the embedded default, has no Spanish
    collation and falls back to case-insensitive order.
    """

    template = "%(expressions)s"

    def __init__(self, field: str):
        super().__init__(field)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template='%(expressions)s COLLATE "es-PE-x-icu"', **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="%(expressions)s COLLATE NOCASE", **extra_context
        )
