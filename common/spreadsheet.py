"""Spreadsheet (CSV/XLSX) formula injection, per OWASP's "CSV Injection" guidance.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab (0x09) or a carriage return (0x0D) is run as
a formula by Excel, LibreOffice and Google Sheets when the file is opened (`=HYPERLINK(...)`,
`=cmd|' /C calc'!A0`, `@SUM(...)`). Such text must never reach a spreadsheet unmarked:

- on import, a free-text cell (a name) is stored *neutralised*: prefixed with a single quote, the
  spreadsheet convention for "this is text", so a later export cannot turn it back into a formula;
  a cell of a validated kind (document number, date, choice, e-mail, flag) that looks like a formula
  cannot be a valid value and is refused with a row error. Phone numbers are validated as E.164
  (`+` and digits only), which a spreadsheet shows as a number and never runs: they pass unchanged.
- on export, every text cell goes through `neutralise()` (django-import-export exports do it with
  `IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`).
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula(text: object) -> bool:
    """Would a spreadsheet read this cell's text as a formula?"""
    return isinstance(text, str) and text.startswith(FORMULA_TRIGGERS)


def neutralise(text: object) -> object:
    """The cell's text marked as text (a leading single quote) if it looks like a formula; any
    other value unchanged (numbers stay numbers: a spreadsheet does not run a number)."""
    return f"'{text}" if is_formula(text) else text
