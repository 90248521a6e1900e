"""DRF's JSON parser, through the one body reader of both APIs (common.http.loads_json).

A module of its own: `REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]` is read when DRF's APIView class is
created, so this module must not import rest_framework.views (common.api does: it would be a cycle).
"""

from __future__ import annotations

from rest_framework import exceptions, parsers

from common.http import MalformedJSON, loads_json


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser through the one body reader of both APIs (common.http.loads_json): a body
    nested thousands deep is a 400 `malformed_json` (DRF let the RecursionError escape as a 500), and a
    NUL character is a 400 naming its field (PostgreSQL refuses it in text and jsonb)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return loads_json(raw)
        except MalformedJSON as exc:
            raise exceptions.ParseError(str(exc), code=MalformedJSON.code) from exc
