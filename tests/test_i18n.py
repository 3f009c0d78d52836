"""The English catalogue is complete, compiled and used: source strings are Spanish (es-PE), and
a user who picks English in the language switcher reads the pages in English."""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

LOGIN_URL = "/cuenta/ingresar/"
DISTRICTS_URL = "/distritos/"

# printf-style placeholders as Django writes them: %(name)s, %(count)d, %s, and a literal %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


def parse_po(path: Path) -> list[Entry]:
    """A tiny .po reader: enough for msgctxt, msgid, msgid_plural, msgstr[n] and flags."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    pending_flags: set[str] = set()
    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):  # blank line or obsolete entry
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        match = keyword.match(line)
        if match:
            name, index, quoted = match.groups()
            value = ast.literal_eval(quoted)
            if name in ("msgctxt", "msgid") and (entry is None or entry.msgstr):
                entry = Entry(flags=pending_flags, line=number)
                entries.append(entry)
                pending_flags = set()
            if entry is None:
                raise ValueError(f"{path}:{number}: {name} before msgid")
            if name == "msgstr":
                entry.msgstr[int(index or 0)] = value
                target = ("msgstr", int(index or 0))
            else:
                setattr(entry, name, value)
                target = (name, 0)
            continue
        if line.startswith('"') and entry is not None and target is not None:
            value = ast.literal_eval(line)
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        raise ValueError(f"{path}:{number}: cannot read {raw!r}")
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    return parse_po(PO_FILE)


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    return [entry for entry in po_entries if not entry.is_header]


def test_the_english_catalogue_has_a_header_for_english_with_two_plural_forms(po_entries):
    headers = [entry for entry in po_entries if entry.is_header]
    assert len(headers) == 1
    header = headers[0].msgstr[0]
    assert "Language: en\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header
    assert "fuzzy" not in headers[0].flags


def test_every_message_of_the_english_catalogue_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 100  # the parser really read the catalogue
    untranslated = [
        f"line {e.line}: {e.msgid!r}"
        for e in messages
        if not e.msgstr or not all(text.strip() for text in e.msgstr.values())
    ]
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in messages if "fuzzy" in e.flags]
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy:\n" + "\n".join(fuzzy)


def test_plural_messages_have_a_singular_and_a_plural_translation(messages):
    plurals = [e for e in messages if e.msgid_plural is not None]
    assert plurals
    for entry in plurals:
        assert sorted(entry.msgstr) == [0, 1], entry.msgid


def test_translations_keep_the_placeholders_and_the_surrounding_whitespace(messages):
    problems = []
    for entry in messages:
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        for index, text in entry.msgstr.items():
            source = sources[min(index, len(sources) - 1)]
            if placeholders(text) != placeholders(source):
                problems.append(f"line {entry.line}: {source!r} -> {text!r}")
            for edge in (str.startswith, str.endswith):
                for blank in ("\n", " "):
                    if edge(source, blank) != edge(text, blank):
                        problems.append(f"line {entry.line}: whitespace of {source!r}")
    assert not problems, "\n".join(problems)


def test_the_compiled_catalogue_matches_the_po_file(messages):
    """django.mo was recompiled after the last edit of django.po (compilemessages)."""
    assert MO_FILE.exists(), "run: manage.py compilemessages"
    with MO_FILE.open("rb") as handle:
        compiled = stdlib_gettext.GNUTranslations(handle)
    stale = []
    for entry in messages:
        if entry.msgid_plural is not None:
            got = {
                0: compiled.ngettext(entry.msgid, entry.msgid_plural, 1),
                1: compiled.ngettext(entry.msgid, entry.msgid_plural, 2),
            }
        elif entry.msgctxt is not None:
            got = {0: compiled.pgettext(entry.msgctxt, entry.msgid)}
        else:
            got = {0: compiled.gettext(entry.msgid)}
        if got != entry.msgstr:
            stale.append(f"{entry.msgid!r}: .mo has {got!r}, .po has {entry.msgstr!r}")
    assert not stale, "django.mo is older than django.po:\n" + "\n".join(stale)


def test_django_translates_known_messages_into_english_when_english_is_active():
    with translation.override("en"):
        assert translation.gettext("Ingresar a ATO") == "Sign in to ATO"
        assert translation.gettext("Revisor del sector") == "Sector reviewer"
        assert translation.ngettext("%(counter)s distrito", "%(counter)s distritos", 3) == (
            "%(counter)s districts"
        )
    with translation.override("es-pe"):
        assert translation.gettext("Ingresar a ATO") == "Ingresar a ATO"


def switch_to_english(client, next_url: str):
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response.url == next_url
    return response


def test_the_login_page_is_in_spanish_by_default_and_in_english_after_switching(db, client):
    spanish = client.get(LOGIN_URL)
    assert spanish.status_code == 200
    html = spanish.content.decode()
    assert "Ingresar a ATO" in html
    assert '<html lang="es-pe"' in html
    assert "Sign in to ATO" not in html

    switch_to_english(client, LOGIN_URL)

    english = client.get(LOGIN_URL)
    assert english.status_code == 200
    html = english.content.decode()
    assert '<html lang="en"' in html
    assert "Sign in to ATO" in html
    assert "Ingresar a ATO" not in html
    assert "Username" in html and "Password" in html  # the form's labels too


def test_a_signed_in_reviewer_sees_the_district_list_in_english_after_switching(client, reviewer):
    client.force_login(reviewer)
    spanish = client.get(DISTRICTS_URL)
    assert spanish.status_code == 200
    assert "Distritos del Perú" in spanish.content.decode()

    switch_to_english(client, DISTRICTS_URL)

    english = client.get(DISTRICTS_URL)
    assert english.status_code == 200
    html = english.content.decode()
    assert "Districts of Peru" in html
    assert "Distritos del Perú" not in html
    assert re.search(r"[\d,]+ districts? ·", html)
    assert ">Sign out<" in html
    assert "Sector reviewer" in html  # the role shown next to the user's name
    for heading in ("Department", "Province", "District", "Active"):
        assert f"<th>{heading}</th>" in html or f">{heading}<" in html
