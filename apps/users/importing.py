"""Bulk import of students and their guardians from CSV or XLSX (admin and `manage.py import_people`).

One row per student, with up to two guardians in the same row:

    student_document_type, student_document_number, student_first_name, student_last_name, student_birth_date,
    student_email, student_phone,
    guardian1_document_type, guardian1_document_number, guardian1_first_name, guardian1_last_name,
    guardian1_relationship, guardian1_phone, guardian1_email, guardian1_primary, (same for guardian2_)

A guardian already registered in the institution (same document), or met earlier in the file, is reused:
siblings share their guardians. All or nothing: every row runs through the same services as the API, inside
one transaction; if any row fails, the whole file is rolled back and every failing row is reported.

Spreadsheet formulas (OWASP CSV injection, `common.spreadsheet`): a cell starting with `=`, `+`, `-`, `@`,
a tab or a carriage return is neutralised. Names (free text) are stored with a leading single quote
(`'=HYPERLINK(...)`), so no later export can turn them back into a formula; phones pass unchanged (they
must be E.164, `+` and digits, which a spreadsheet never runs); any other column (document, date, choice,
e-mail, flag) cannot hold such a value and the row is refused with an error naming the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import tablib
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.users import services
from apps.users.models import DocumentType, GuardianLink, User, UserType
from common.errors import DomainError
from common.spreadsheet import is_formula, neutralise

PERSON_FIELDS = ("document_type", "document_number", "first_name", "last_name", "phone", "email")
STUDENT_COLUMNS = tuple(f"student_{f}" for f in (*PERSON_FIELDS, "birth_date"))
GUARDIAN_COLUMNS = tuple(f"guardian{n}_{f}" for n in (1, 2) for f in (*PERSON_FIELDS, "relationship", "primary"))
COLUMNS = STUDENT_COLUMNS + GUARDIAN_COLUMNS
REQUIRED = ("student_document_number", "student_first_name", "student_last_name")
TRUE_WORDS = {"1", "true", "yes", "si", "sí", "x", "y", "s"}
# Free text: a formula-like value is stored neutralised ('=...). Phones: E.164-validated, pass unchanged.
FREE_TEXT_COLUMNS = frozenset(c for c in COLUMNS if c.endswith(("_first_name", "_last_name")))
PHONE_COLUMNS = frozenset(c for c in COLUMNS if c.endswith("_phone"))


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (the header is row 1)
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    students_created: int = 0
    guardians_created: int = 0
    guardians_reused: int = 0
    links_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def imported(self) -> bool:
        return self.ok and not self.dry_run


class UnreadableFile(ValueError):
    pass


def load_dataset(content: bytes, filename: str) -> tablib.Dataset:
    """Read a CSV (UTF-8, comma or semicolon) or XLSX file into a dataset with lower-case headers."""
    suffix = Path(filename).suffix.lower()
    try:
        if suffix == ".xlsx":
            data = tablib.Dataset().load(content, format="xlsx")
        elif suffix == ".csv":
            text = content.decode("utf-8-sig")
            delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
            data = tablib.Dataset().load(text, format="csv", delimiter=delimiter)
        else:
            raise UnreadableFile(str(_("Use a .csv or .xlsx file.")))
    except UnicodeDecodeError as exc:
        raise UnreadableFile(str(_("The CSV file is not UTF-8 text."))) from exc
    except UnreadableFile:
        raise
    except Exception as exc:  # tablib/openpyxl raise many types on a corrupt file
        raise UnreadableFile(str(_("The file could not be read: %(error)s") % {"error": exc})) from exc
    data.headers = [str(h or "").strip().lower() for h in (data.headers or [])]
    return data


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value, column: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _RowProblem(column, str(_("Use a date like 2014-05-12 or 12/05/2014.")))


def _document(row: dict, prefix: str) -> tuple[str, str]:
    doc_type = (_text(row.get(f"{prefix}document_type")) or DocumentType.DNI).upper()
    raw = row.get(f"{prefix}document_number")
    number = _text(raw).upper()
    if doc_type == DocumentType.DNI and isinstance(raw, int | float) and len(number) < 8:
        number = number.zfill(8)  # a number cell of a spreadsheet drops a DNI's leading zeros
    return doc_type, number


class _RowProblem(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def _person(row: dict, prefix: str, user_type: str, institution_id: int, **extra) -> User:
    doc_type, number = _document(row, prefix)
    try:
        return services.user_create(
            user_type=user_type, institution_id=institution_id, document_type=doc_type, document_number=number,
            first_name=_text(row.get(f"{prefix}first_name")), last_name=_text(row.get(f"{prefix}last_name")),
            phone=_text(row.get(f"{prefix}phone")), email=_text(row.get(f"{prefix}email")), **extra)
    except DomainError as exc:
        fields = exc.details.get("fields") or {"": [exc.message]}
        column, messages = next(iter(fields.items()))
        raise _RowProblem(f"{prefix}{column}" if column else prefix.rstrip("_"), "; ".join(messages)) from exc


def _without_formulas(row: dict) -> dict:
    """The row with every formula-like cell neutralised (free text) or refused (any validated kind)."""
    cleaned = dict(row)
    for column, value in row.items():
        text = _text(value)
        if not is_formula(text) or column in PHONE_COLUMNS:
            continue
        if column in FREE_TEXT_COLUMNS:
            cleaned[column] = neutralise(text)
        elif column in COLUMNS:
            raise _RowProblem(column, str(_("A value may not start with =, +, -, @, a tab or a carriage return "
                                            "(a spreadsheet would run it as a formula).")))
    return cleaned


def _import_row(row: dict, institution_id: int, report: ImportReport) -> None:
    row = _without_formulas(row)
    for column in REQUIRED:
        if not _text(row.get(column)):
            raise _RowProblem(column, str(_("This field is required.")))
    birth_date = _date(row.get("student_birth_date"), "student_birth_date")
    student = _person(row, "student_", UserType.STUDENT, institution_id, birth_date=birth_date)
    report.students_created += 1
    for n in (1, 2):
        prefix = f"guardian{n}_"
        if not _text(row.get(f"{prefix}document_number")):
            if _text(row.get(f"{prefix}first_name")):
                raise _RowProblem(f"{prefix}document_number", str(_("This field is required.")))
            continue
        doc_type, number = _document(row, prefix)
        guardian = User.objects.filter(institution_id=institution_id, document_type=doc_type,
                                       document_number=number).first()
        if guardian is None:
            guardian = _person(row, prefix, UserType.PARENT, institution_id)
            report.guardians_created += 1
        elif guardian.user_type != UserType.PARENT:
            raise _RowProblem(f"{prefix}document_number",
                              str(_("This document belongs to a person who is not a guardian.")))
        else:
            report.guardians_reused += 1
        relationship = (_text(row.get(f"{prefix}relationship")) or GuardianLink.Relationship.OTHER).upper()
        if relationship not in GuardianLink.Relationship.values:
            raise _RowProblem(f"{prefix}relationship", str(_("Use one of: %(values)s.") % {
                "values": ", ".join(GuardianLink.Relationship.values)}))
        primary_text = _text(row.get(f"{prefix}primary")).lower()
        services.guardian_link_create(student_id=student.pk, guardian_id=guardian.pk, relationship=relationship,
                                      is_primary_contact=primary_text in TRUE_WORDS if primary_text else n == 1)
        report.links_created += 1


def import_people(*, dataset: tablib.Dataset, institution_id: int, dry_run: bool = False) -> ImportReport:
    """Import every row, or nothing: any error (or dry_run) rolls the whole file back."""
    report = ImportReport(dry_run=dry_run)
    headers = list(dataset.headers or [])
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        report.errors.append(RowError(1, ", ".join(missing), str(_("Missing column(s)."))))
        return report
    with transaction.atomic():
        for index, values in enumerate(dataset, start=2):
            row = dict(zip(headers, values, strict=False))
            if not any(_text(v) for v in values):
                continue
            report.rows += 1
            try:
                with transaction.atomic():
                    _import_row(row, institution_id, report)
            except _RowProblem as problem:
                report.errors.append(RowError(index, problem.column, problem.message))
            except DomainError as exc:
                report.errors.append(RowError(index, "row", exc.message))
        if report.errors or dry_run:
            transaction.set_rollback(True)
    if report.errors:
        report.students_created = report.guardians_created = report.guardians_reused = report.links_created = 0
    return report
