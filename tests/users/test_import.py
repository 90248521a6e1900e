import io

import pytest
import tablib
from django.core.management import CommandError, call_command

from apps.users.importing import COLUMNS, load_dataset
from apps.users.models import GuardianLink, User
from events.models import OutboxEvent
from tests.institution.factories import InstitutionFactory
from tests.users.factories import GuardianFactory, StudentFactory

pytestmark = pytest.mark.django_db
HEADER = ("student_document_number,student_first_name,student_last_name,student_birth_date,"
          "guardian1_document_number,guardian1_first_name,guardian1_last_name,guardian1_relationship,guardian1_phone,"
          "guardian2_document_type,guardian2_document_number,guardian2_first_name,guardian2_last_name,"
          "guardian2_relationship")
GOOD_ROWS = [
    "71234567,Valeria,Quispe Mamani,2014-05-12,40111222,Rosa,Mamani Flores,mother,+51987654321,"
    "DNI,40333444,Jorge,Quispe Ramos,FATHER",
    "71234568,Diego,Quispe Mamani,02/09/2016,40111222,Rosa,Mamani Flores,MOTHER,+51987654321,,,,,",
    "71234569,Camila,Huamán Rojas,,40777888,Luz,Rojas Vargas,GRANDPARENT,,,,,,",
]


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def run(tmp_path, content: bytes, inst, name="people.csv", *extra):
    path = tmp_path / name
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_people", str(path), "--institution", str(inst.pk), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_imports_every_student_and_guardian(tmp_path):
    inst = InstitutionFactory()
    out, _err = run(tmp_path, csv_bytes(*GOOD_ROWS), inst)

    assert "imported 3 student(s), 3 new guardian(s) (1 reused), 4 link(s) from 3 row(s)" in out
    students = User.objects.filter(institution_id=inst.pk, user_type="STUDENT")
    assert students.count() == 3 and all(s.code.startswith("USR-") for s in students)
    rosa = User.objects.get(document_number="40111222")
    assert rosa.user_type == "PARENT" and rosa.phone == "+51987654321"
    assert sorted(GuardianLink.objects.filter(guardian=rosa).values_list("student__first_name", flat=True)) == [
        "Diego", "Valeria"]  # siblings share their mother
    valeria = User.objects.get(document_number="71234567")
    assert valeria.birth_date.isoformat() == "2014-05-12"
    links = {link.relationship: link for link in GuardianLink.objects.filter(student=valeria)}
    assert links["MOTHER"].is_primary_contact and not links["FATHER"].is_primary_contact
    assert User.objects.get(document_number="71234568").birth_date.isoformat() == "2016-09-02"
    assert OutboxEvent.objects.filter(event_type="user.created").count() == 6
    assert OutboxEvent.objects.filter(event_type="student.parent.linked").count() == 4


def test_a_file_with_one_bad_row_imports_nothing_and_reports_the_row(tmp_path):
    inst = InstitutionFactory()
    bad = "7123,Mateo,Torres,2015-01-01,40555666,Ana,Torres,MOTHER,987,,,,,"
    with pytest.raises(CommandError, match="nothing was imported"):
        run(tmp_path, csv_bytes(GOOD_ROWS[0], bad, GOOD_ROWS[2]), inst)
    assert not User.objects.exists() and not GuardianLink.objects.exists() and not OutboxEvent.objects.exists()


def test_errors_name_the_row_and_column(tmp_path, capsys):
    inst = InstitutionFactory()
    rows = [GOOD_ROWS[0], "7123,Mateo,Torres,,,,,,,,,,,", "71234570,Ana,,2015-13-45,,,,,,,,,,",
            "71234571,Luis,Paz,,40999888,Eva,Paz,AUNT,,,,,,"]
    err = io.StringIO()
    (tmp_path / "people.csv").write_bytes(csv_bytes(*rows))
    with pytest.raises(CommandError, match="3 error"):
        call_command("import_people", str(tmp_path / "people.csv"), "--institution", str(inst.pk), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("row 3: student_document_number: ")
    assert lines[1].startswith("row 4: student_last_name:")
    assert lines[2].startswith("row 5: guardian1_relationship:")
    assert not User.objects.exists()


def test_existing_people_are_reused_or_refused(tmp_path):
    inst = InstitutionFactory()
    GuardianFactory(institution_id=inst.pk, document_number="40111222")
    StudentFactory(institution_id=inst.pk, document_number="40333444")  # a student's DNI given as a guardian's
    with pytest.raises(CommandError):
        run(tmp_path, csv_bytes(GOOD_ROWS[0]), inst)
    assert User.objects.count() == 2
    out, _ = run(tmp_path, csv_bytes(GOOD_ROWS[1]), inst)
    assert "1 student(s), 0 new guardian(s) (1 reused)" in out


def test_a_student_already_registered_is_reported(tmp_path):
    inst = InstitutionFactory()
    StudentFactory(institution_id=inst.pk, document_number="71234567")
    err = io.StringIO()
    (tmp_path / "p.csv").write_bytes(csv_bytes(GOOD_ROWS[0]))
    with pytest.raises(CommandError):
        call_command("import_people", str(tmp_path / "p.csv"), "--institution", str(inst.pk), stderr=err)
    assert "row 2: student_document_number" in err.getvalue()


def test_xlsx_files_and_semicolon_csv_are_read(tmp_path):
    inst = InstitutionFactory()
    data = tablib.Dataset(headers=["student_document_number", "student_first_name", "student_last_name",
                                   "guardian1_document_number", "guardian1_first_name", "guardian1_last_name"])
    data.append([1234567, "Sofía", "Apaza", 40111222, "Flor", "Apaza"])  # a number cell loses the leading zero
    out, _ = run(tmp_path, data.export("xlsx"), inst, "people.xlsx")
    assert "imported 1 student(s)" in out
    assert User.objects.get(first_name="Sofía").document_number == "01234567"

    semicolon = b"student_document_number;student_first_name;student_last_name\n71111111;Kiara;Ramos\n"
    out, _ = run(tmp_path, semicolon, inst, "semi.csv")
    assert "imported 1 student(s)" in out


def test_dry_run_validates_without_importing(tmp_path):
    inst = InstitutionFactory()
    out, _ = run(tmp_path, csv_bytes(*GOOD_ROWS), inst, "people.csv", "--dry-run")
    assert "would import 3 student(s)" in out and not User.objects.exists()


def test_command_refuses_bad_arguments(tmp_path):
    inst = InstitutionFactory()
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_people", str(tmp_path / "missing.csv"), "--institution", str(inst.pk))
    (tmp_path / "people.txt").write_text("x")
    with pytest.raises(CommandError, match=r"\.csv .* \.xlsx"):
        call_command("import_people", str(tmp_path / "people.txt"), "--institution", str(inst.pk))
    (tmp_path / "p.csv").write_bytes(csv_bytes(GOOD_ROWS[0]))
    with pytest.raises(CommandError, match="unknown institution"):
        call_command("import_people", str(tmp_path / "p.csv"), "--institution", str(inst.pk + 99))
    (tmp_path / "cols.csv").write_text("name\nx\n")
    with pytest.raises(CommandError):
        call_command("import_people", str(tmp_path / "cols.csv"), "--institution", str(inst.pk))
    InstitutionFactory()
    with pytest.raises(CommandError, match="--institution"):
        call_command("import_people", str(tmp_path / "p.csv"))


def test_load_dataset_lowercases_headers():
    data = load_dataset(b"Student_First_Name,STUDENT_LAST_NAME\nA,B\n", "x.csv")
    assert data.headers == ["student_first_name", "student_last_name"]
    assert set(COLUMNS) >= {"student_document_number", "guardian2_primary"}
