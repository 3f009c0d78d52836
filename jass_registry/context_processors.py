"""Template context shared by every page."""

from __future__ import annotations

from . import standards as field_standards

# Only the upper-case constants: templates read `{{ standards.ADEQUATE_CHLORINE_MG_L }}`.
STANDARDS = {
    name: getattr(field_standards, name) for name in dir(field_standards) if name.isupper()
}


def standards(request) -> dict:
    """The field standards, so a label or a threshold in a template is never a typed number."""
    return {"standards": STANDARDS}
