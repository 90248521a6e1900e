"""The stock templates (es, en), loaded by a data migration and by the demo. Staff edit them in the admin."""

from __future__ import annotations

STOCK_TEMPLATES: list[dict] = [
    {"key": "welcome", "language": "es", "description": "Bienvenida al matricular",
     "subject": "Bienvenida a {{ school_name|default:'nuestro colegio' }}: {{ student_name }}",
     "body_text": "Estimado(a) {{ recipient_name }}:\n\n{{ student_name }} ha sido matriculado(a) en la sección "
                  "{{ section_name }}. ¡Le damos la bienvenida!\n\n{{ school_name }}",
     "body_html": "<p>Estimado(a) {{ recipient_name }}:</p><p><strong>{{ student_name }}</strong> ha sido "
                  "matriculado(a) en la sección {{ section_name }}. ¡Le damos la bienvenida!</p>",
     "sms_text": "{{ school_name }}: {{ student_name }} quedó matriculado(a) en {{ section_name }}. ¡Bienvenidos!",
     "sample_context": {"recipient_name": "Ana Quispe", "student_name": "Luis Quispe", "section_name": "5.º A",
                        "school_name": "IE San Martín"}},
    {"key": "welcome", "language": "en", "description": "Welcome on enrollment",
     "subject": "Welcome to {{ school_name|default:'our school' }}: {{ student_name }}",
     "body_text": "Dear {{ recipient_name }},\n\n{{ student_name }} has been enrolled in section {{ section_name }}. "
                  "Welcome!\n\n{{ school_name }}",
     "body_html": "<p>Dear {{ recipient_name }},</p><p><strong>{{ student_name }}</strong> has been enrolled in "
                  "section {{ section_name }}. Welcome!</p>",
     "sms_text": "{{ school_name }}: {{ student_name }} is enrolled in {{ section_name }}. Welcome!",
     "sample_context": {"recipient_name": "Ann Smith", "student_name": "Luke Smith", "section_name": "5A",
                        "school_name": "San Martin School"}},
    {"key": "absence_recorded", "language": "es", "description": "Inasistencia registrada",
     "subject": "Inasistencia de {{ student_name }} el {{ date }}",
     "body_text": "Estimado(a) {{ recipient_name }}:\n\n{{ student_name }} no asistió a clases el {{ date }}"
                  "{% if session_number %} (sesión {{ session_number }}){% endif %}. Si la falta está justificada, "
                  "puede presentar la justificación.\n\n{{ school_name }}",
     "body_html": "<p>Estimado(a) {{ recipient_name }}:</p><p>{{ student_name }} no asistió a clases el "
                  "{{ date }}.</p>",
     "sms_text": "{{ school_name }}: {{ student_name }} no asistió a clases el {{ date }}.",
     "sample_context": {"recipient_name": "Ana Quispe", "student_name": "Luis Quispe", "date": "2026-04-10",
                        "school_name": "IE San Martín"}},
    {"key": "absence_recorded", "language": "en", "description": "Absence recorded",
     "subject": "{{ student_name }} was absent on {{ date }}",
     "body_text": "Dear {{ recipient_name }},\n\n{{ student_name }} was absent from school on {{ date }}"
                  "{% if session_number %} (session {{ session_number }}){% endif %}. If the absence is justified, "
                  "you can submit a justification.\n\n{{ school_name }}",
     "body_html": "<p>Dear {{ recipient_name }},</p><p>{{ student_name }} was absent from school on {{ date }}.</p>",
     "sms_text": "{{ school_name }}: {{ student_name }} was absent on {{ date }}.",
     "sample_context": {"recipient_name": "Ann Smith", "student_name": "Luke Smith", "date": "2026-04-10",
                        "school_name": "San Martin School"}},
    {"key": "performance_alert", "language": "es", "description": "Alerta de rendimiento",
     "subject": "Alerta de rendimiento: {{ student_name }} en {{ course_name }}",
     "body_text": "Estimado(a) {{ recipient_name }}:\n\nEl promedio de {{ student_name }} en {{ course_name }} es "
                  "{{ average }} (nota aprobatoria: {{ pass_mark }}). Le sugerimos coordinar con el tutor(a).",
     "body_html": "", "sms_text": "Alerta: {{ student_name }} tiene promedio {{ average }} en {{ course_name }}.",
     "sample_context": {"recipient_name": "Ana Quispe", "student_name": "Luis Quispe", "course_name": "Matemática",
                        "average": "9.50", "pass_mark": "11"}},
    {"key": "performance_alert", "language": "en", "description": "Performance alert",
     "subject": "Performance alert: {{ student_name }} in {{ course_name }}",
     "body_text": "Dear {{ recipient_name }},\n\n{{ student_name }}'s average in {{ course_name }} is {{ average }} "
                  "(pass mark: {{ pass_mark }}). Please get in touch with the tutor.",
     "body_html": "", "sms_text": "Alert: {{ student_name }} has an average of {{ average }} in {{ course_name }}.",
     "sample_context": {"recipient_name": "Ann Smith", "student_name": "Luke Smith", "course_name": "Mathematics",
                        "average": "9.50", "pass_mark": "11"}},
    {"key": "attendance_pattern_alert", "language": "es", "description": "Alerta de patrón de asistencia",
     "subject": "Alerta de asistencia: {{ student_name }}",
     "body_text": "Estimado(a) {{ recipient_name }}:\n\n{{ student_name }} registra un patrón de inasistencias "
                  "({% if pattern == 'CONSECUTIVE_ABSENCES' %}{{ value }} faltas consecutivas"
                  "{% else %}{{ value }} % de inasistencias{% endif %}; umbral {{ threshold }}).",
     "body_html": "", "sms_text": "Alerta de asistencia: {{ student_name }} ({{ value }}; umbral {{ threshold }}).",
     "sample_context": {"recipient_name": "Ana Quispe", "student_name": "Luis Quispe",
                        "pattern": "CONSECUTIVE_ABSENCES", "value": "3", "threshold": "3"}},
    {"key": "attendance_pattern_alert", "language": "en", "description": "Attendance pattern alert",
     "subject": "Attendance alert: {{ student_name }}",
     "body_text": "Dear {{ recipient_name }},\n\n{{ student_name }} shows an absence pattern "
                  "({% if pattern == 'CONSECUTIVE_ABSENCES' %}{{ value }} consecutive absences"
                  "{% else %}{{ value }} % absences{% endif %}; threshold {{ threshold }}).",
     "body_html": "", "sms_text": "Attendance alert: {{ student_name }} ({{ value }}; threshold {{ threshold }}).",
     "sample_context": {"recipient_name": "Ann Smith", "student_name": "Luke Smith",
                        "pattern": "CONSECUTIVE_ABSENCES", "value": "3", "threshold": "3"}},
    {"key": "bulk", "language": "es", "description": "Comunicado libre",
     "subject": "{{ subject }}", "body_text": "{{ body }}", "body_html": "<p>{{ body|linebreaksbr }}</p>",
     "sms_text": "{{ body }}", "sample_context": {"subject": "Reunión de padres", "body": "Mañana a las 18:00."}},
    {"key": "bulk", "language": "en", "description": "Free-text announcement",
     "subject": "{{ subject }}", "body_text": "{{ body }}", "body_html": "<p>{{ body|linebreaksbr }}</p>",
     "sms_text": "{{ body }}", "sample_context": {"subject": "Parents' meeting", "body": "Tomorrow at 6 pm."}},
]


# Inventory (issue 17): an overdue loan, to the borrower and, for a student, to their guardians.
STOCK_TEMPLATES += [
    {"key": "loan_overdue", "language": "es", "description": "Préstamo vencido (inventario)",
     "subject": "Préstamo vencido: {{ asset_name }}",
     "body_text": "Estimado(a) {{ recipient_name }}:\n\n{% if student_name %}{{ student_name }} tiene{% else %}Tiene{% endif %} "
                  "en préstamo {{ asset_name }} ({{ asset_code }}), que debía devolverse el {{ due_on }} "
                  "({{ days_overdue }} día(s) de retraso). Por favor, devuélvalo lo antes posible.\n\n{{ school_name }}",
     "body_html": "", "sms_text": "{{ school_name }}: préstamo vencido de {{ asset_name }} ({{ asset_code }}) desde el "
                                 "{{ due_on }}. Por favor, devuélvalo.",
     "sample_context": {"recipient_name": "Ana Quispe", "student_name": "Luis Quispe", "asset_name": "Laptop Lenovo",
                        "asset_code": "INV-000017", "due_on": "2026-04-21", "days_overdue": 3,
                        "school_name": "IE San Martín"}},
    {"key": "loan_overdue", "language": "en", "description": "Overdue loan (inventory)",
     "subject": "Overdue loan: {{ asset_name }}",
     "body_text": "Dear {{ recipient_name }},\n\n{% if student_name %}{{ student_name }} has{% else %}You have{% endif %} "
                  "{{ asset_name }} ({{ asset_code }}) on loan; it was due on {{ due_on }} ({{ days_overdue }} day(s) "
                  "late). Please return it as soon as possible.\n\n{{ school_name }}",
     "body_html": "", "sms_text": "{{ school_name }}: {{ asset_name }} ({{ asset_code }}) was due on {{ due_on }}. "
                                 "Please return it.",
     "sample_context": {"recipient_name": "Ann Smith", "student_name": "Luke Smith", "asset_name": "Lenovo laptop",
                        "asset_code": "INV-000017", "due_on": "2026-04-21", "days_overdue": 3,
                        "school_name": "San Martin School"}},
]


def load(template_model) -> int:
    """get_or_create every stock template (an edited template is never overwritten). Returns rows created."""
    created = 0
    for row in STOCK_TEMPLATES:
        _obj, was_created = template_model.objects.get_or_create(
            key=row["key"], language=row["language"], defaults={k: v for k, v in row.items() if k not in ("key", "language")})
        created += was_created
    return created
