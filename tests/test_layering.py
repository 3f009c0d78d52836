"""The dependency line holds: `common` imports no app, an app imports only the apps below it
(`territory ← jass_registry ← visits ← communities ← service_grades ← incentives`), and no app
imports the project package `ato`. Read from the source with `ast`, so a new import breaks the
suite, not a newcomer's afternoon."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

LINE = [
    "common",
    "territory",
    "jass_registry",
    "visits",
    "communities",
    "service_grades",
    "incentives",
]
ROOT = Path(settings.BASE_DIR)


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", LINE)
def test_a_package_imports_only_the_packages_below_it(package):
    forbidden = set(LINE[LINE.index(package) + 1 :]) | {"ato"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & forbidden)
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and imported_packages(path) & forbidden
    }
    assert offenders == {}
