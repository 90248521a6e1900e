"""The Spanish catalogue (locale/es): strings of every context come out in Spanish, and stay complete.

The catalogue checks read locale/es/LC_MESSAGES/django.po with a small parser (polib is not a
project dependency). They fail when someone adds a string, runs makemessages and does not translate
it, leaves a fuzzy entry, breaks a placeholder or forgets to compile: see locale/README.md.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from common.errors import NotFound
from tests.users.factories import UserFactory

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"


# --- a minimal .po parser ----------------------------------------------------------------------

@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # msgstr -> {0: ...}; msgstr[n] -> {n: ...}
    flags: set[str] = field(default_factory=set)
    line: int = 0


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unescape(text: str) -> str:
    return re.sub(r'\\(.)', lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def parse_po(text: str) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and (current.msgstr or current.msgid):
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):  # obsolete entries are not shipped
            continue
        if line.startswith("#,"):
            if current is None or target is not None:
                finish()
                current = Entry(line=number)
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, value = keyword.group(1), keyword.group(2), _unescape(keyword.group(3))
            if current is None or (name in ("msgctxt", "msgid") and target is not None
                                   and target[0].startswith("msgstr")):
                finish()
                current = Entry(line=number)
            if name == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", None)
            elif name == "msgid":
                current.msgid, target = value, ("msgid", None)
            elif name == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", None)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot], target = value, ("msgstr", slot)
            continue
        continuation = _CONTINUATION.match(line)
        assert continuation and current is not None and target is not None, f"django.po:{number}: {raw!r}"
        value = _unescape(continuation.group(1))
        kind, slot = target
        if kind == "msgstr":
            current.msgstr[slot] += value
        else:
            setattr(current, kind, getattr(current, kind) + value)
    finish()
    return entries


@pytest.fixture(scope="module")
def catalogue() -> tuple[Entry, list[Entry]]:
    entries = parse_po(PO_FILE.read_text(encoding="utf-8"))
    header = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(header) == 1, "the catalogue has exactly one header"
    return header[0], [e for e in entries if e is not header[0]]


def test_the_parser_reads_plurals_contexts_flags_and_continued_lines():
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "a %(n)s "\n"b"\nmsgstr ""\n\n'
        'msgctxt "ctx"\nmsgid "one"\nmsgid_plural "many"\nmsgstr[0] "uno"\nmsgstr[1] "muchos"\n\n'
        '#~ msgid "gone"\n#~ msgstr "ido"\n'
    )
    assert [e.msgid for e in entries] == ["", "a %(n)s b", "one"]
    assert entries[0].msgstr == {0: "Language: es\n"}
    assert entries[1].flags == {"fuzzy", "python-format"} and entries[1].msgstr == {0: ""}
    assert entries[2].msgctxt == "ctx" and entries[2].msgid_plural == "many"
    assert entries[2].msgstr == {0: "uno", 1: "muchos"}


# --- the catalogue is complete -----------------------------------------------------------------

def test_the_header_declares_spanish_with_two_plural_forms(catalogue):
    header, _ = catalogue
    fields = dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if ": " in line)
    assert fields["Language"] == "es"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert "charset=UTF-8" in fields["Content-Type"]
    assert "fuzzy" not in header.flags


def test_the_catalogue_covers_every_context(catalogue):
    _, entries = catalogue
    msgids = {e.msgid for e in entries}
    # One string from each context (and from a template) that makemessages must have collected.
    for msgid in ("academic year", "Teacher assignment", "Attendance", "Roles and permissions",
                  "Enroll a student", "institution configuration", "notification template",
                  "Parent or guardian", "outbox event", "saga step", "No schedule blocks yet."):
        assert msgid in msgids, msgid
    assert len(entries) > 500


def test_no_string_is_left_untranslated(catalogue):
    _, entries = catalogue
    untranslated = [e.msgid for e in entries
                    if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
                    or (e.msgid_plural is not None and sorted(e.msgstr) != [0, 1])]
    assert untranslated == [], ("untranslated strings in locale/es/LC_MESSAGES/django.po "
                                f"(translate them, see locale/README.md): {untranslated}")


def test_no_entry_is_fuzzy(catalogue):
    _, entries = catalogue
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert fuzzy == [], f"fuzzy entries (review the translation and drop the flag): {fuzzy}"


_PLACEHOLDER = re.compile(r"%\(\w+\)[sdrf]|%[sdrf]|\{\w*\}")
_TAG = re.compile(r"</?\w+[^>]*>")


def test_translations_keep_placeholders_and_html(catalogue):
    _, entries = catalogue
    broken = []
    for e in entries:
        for slot, text in e.msgstr.items():
            source = e.msgid_plural if (slot > 0 and e.msgid_plural) else e.msgid
            if sorted(_PLACEHOLDER.findall(text)) != sorted(_PLACEHOLDER.findall(source)) \
                    or sorted(_TAG.findall(text)) != sorted(_TAG.findall(source)):
                broken.append((e.msgid, text))
    assert broken == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    # CI has no gettext tools: the committed .mo is what runs. It must hold every translation of the .po.
    _, entries = catalogue
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in entries:
        if e.msgid_plural is not None:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            expected = [e.msgstr.get(0), e.msgstr.get(1)]
        else:
            key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid
            got, expected = [compiled._catalog.get(key)], [e.msgstr.get(0)]
        if got != expected:
            stale.append(e.msgid)
    assert stale == [], f"run compilemessages (see locale/README.md); stale in django.mo: {stale}"


# --- strings come out in the active language ---------------------------------------------------

def test_model_names_and_choices_follow_the_language():
    from apps.academic.models import AcademicYear, Section
    from apps.users.models import DocumentType, UserType

    with translation.override("es"):
        assert str(AcademicYear._meta.verbose_name) == "año académico"
        assert str(Section._meta.verbose_name_plural) == "secciones"
        assert str(UserType.TEACHER.label) == "Docente"
        assert str(UserType.PARENT.label) == "Padre, madre o apoderado"
        assert str(DocumentType.CE.label) == "Carné de extranjería (CE)"
    with translation.override("en"):
        assert str(AcademicYear._meta.verbose_name) == "academic year"
        assert str(UserType.TEACHER.label) == "Teacher"
        assert str(DocumentType.CE.label) == "Foreigner's card (CE)"


def test_plural_strings_pick_the_spanish_form_by_count(catalogue):
    # Django's own "es" catalogue declares three plural forms, ours two: each keeps its own rule.
    _, entries = catalogue
    plurals = [e for e in entries if e.msgid_plural is not None and e.msgctxt is None]
    with translation.override("es"):
        for e in plurals:
            assert translation.ngettext(e.msgid, e.msgid_plural, 1) == e.msgstr[0]
            assert translation.ngettext(e.msgid, e.msgid_plural, 0) == e.msgstr[1]
            assert translation.ngettext(e.msgid, e.msgid_plural, 3) == e.msgstr[1]
        # and a plural of Django's admin still follows Django's own catalogue and rule
        one, many = "%(count)s %(name)s was changed successfully.", "%(count)s %(name)s were changed successfully."
        assert translation.ngettext(one, many, 1) not in (one, many, translation.ngettext(one, many, 2))
        assert translation.ngettext(one, many, 2) not in (one, many)


@pytest.mark.django_db
def test_without_accept_language_the_default_language_is_used(api_client, settings):
    # tests/conftest.py makes tests English by default; the product default is Spanish.
    settings.LANGUAGE_CODE = "es"
    response = api_client.post("/api/v1/auth/login", {"username": "nobody", "password": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Nombre de usuario o contraseña incorrectos."


@pytest.mark.django_db
def test_a_service_error_is_raised_in_the_active_language():
    from apps.academic.services import academic_year_start
    from common.tenancy import SYSTEM

    with translation.override("es"), pytest.raises(NotFound) as spanish:
        academic_year_start(scope=SYSTEM, academic_year_id=987654321)
    assert spanish.value.message == "No se encontró el año académico."
    with translation.override("en"), pytest.raises(NotFound) as english:
        academic_year_start(scope=SYSTEM, academic_year_id=987654321)
    assert english.value.message == "Academic year not found."


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "message"), [
    ("es", "Nombre de usuario o contraseña incorrectos."),
    ("en", "Invalid username or password."),
])
def test_an_api_error_follows_accept_language(api_client, language, message):
    UserFactory(username="i18n-login")
    response = api_client.post("/api/v1/auth/login", {"username": "i18n-login", "password": "wrong-pass-1"},
                               format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == message
    assert response["Content-Language"] == language


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown", "absent"), [
    ("es", ["Gestión académica", "Años académicos", "Asistencia", "Usuarios", "Notificaciones"],
     ["Academic management", "Academic years"]),
    ("en", ["Academic management", "Academic years"], ["Gestión académica", "Años académicos"]),
])
def test_the_admin_index_shows_app_and_model_names_in_the_requested_language(client, language, shown, absent):
    admin = UserFactory(username="i18n-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    for text in shown:
        assert text in html, text
    for text in absent:
        assert text not in html, text
