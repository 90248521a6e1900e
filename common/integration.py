"""Shared django-ninja schemas of the integration API (contracts over HTTP)."""

from ninja import Schema


class ErrorDetailOut(Schema):
    code: str
    message: str
    details: dict


class ErrorOut(Schema):
    """The one error body of PRS1, as in the resource API: {"error": {"code", "message", "details"}}."""

    error: ErrorDetailOut
