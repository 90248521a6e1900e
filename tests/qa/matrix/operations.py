"""Operations of both OpenAPI documents and the probes generated for them.

Every (method, path) of the DRF schema (drf-spectacular) and of the integration API (django-ninja)
is an operation. For each, the generator places school B's ids where the operation takes ids: in
the path, in the query, in the JSON body (the documented example, else a minimal body built from
the schema). A parameter or field that names an id the generator cannot map to an entity kind is
reported as unmapped: the matrix test fails until the mapping below learns it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date

# Operations not probed, each with its reason: the explicitly public authentication operations.
PUBLIC_OPERATIONS: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/login"): "public: exchanges a username and password for tokens",
    ("POST", "/api/v1/auth/refresh"): "public: rotates the refresh token it is given",
    ("POST", "/api/v1/auth/validate-token"): "token validation: answers only about the token it is given",
}

# Entity kinds that belong to no school (the same row serves every school).
GLOBAL_KINDS = frozenset({"template"})

# A path parameter's kind depends on the path for a few ambiguous names (first match wins).
PATH_RULES: list[tuple[str, str, str]] = [
    (r"/academic/curriculum/", "entry_id", "curriculum_entry"),
    (r"/grades/entries/", "entry_id", "grade_entry"),
    (r"/academic/years/", "year_id", "academic_year"),
    (r"/academic-calendar/years/", "year_id", "calendar_year"),
    (r"/attendance/justifications/", "id", "justification"),
    (r"/evaluation-plans/", "id", "component"),  # a plan's components[].id
]

# The base of an id-like name (camelCase → snake_case, without `_id`/`_ids`) → the entity kind.
NAME_KINDS: dict[str, str] = {
    "institution": "institution", "campus": "campus", "period": "period", "holiday": "holiday",
    "user": "student", "student": "student", "teacher": "teacher", "tutor": "teacher", "guardian": "guardian",
    "academic_year": "academic_year", "grade_level": "grade_level", "level": "grade_level", "course": "course",
    "section": "section", "target_section": "section", "enrollment": "enrollment", "assignment": "assignment",
    "block": "block", "exclude_block": "block", "plan": "plan", "component": "component", "record": "grade_record",
    "saga": "saga", "bulk": "bulk", "message": "message", "template": "template",
    "room": "room", "asset": "asset", "loan": "loan", "booking": "booking", "borrower": "student",
    "consumable": "consumable", "stocktake": "stocktake", "discrepancy": "discrepancy",
    "maintenance": "maintenance",
    "responsible_staff": "staff",
}

# Names that hold an id without saying so (query filters and body fields of the DRF API).
REFERENCE_NAMES = frozenset({"institution", "academic_year", "grade_level", "campus", "tutor"})

# Path parameters that are not ids: filled with a valid value of the A school.
NON_ID_PATH = {"day": "date", "user_type": "STUDENT"}

# Values for non-id fields a minimal body needs to be valid (by field name).
VALUE_HINTS: dict[str, object] = {
    "permission": "academic.read", "startTime": "08:00:00", "endTime": "09:00:00", "start_time": "08:00",
    "end_time": "09:00",
}

_ID_NAME = re.compile(r"(^id$|_id$|_ids$|[a-z]Id$|[a-z]Ids$)")


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def is_id_name(name: str) -> bool:
    return bool(_ID_NAME.search(name)) or name in REFERENCE_NAMES


def is_list_name(name: str) -> bool:
    return name.endswith("_ids") or name.endswith("Ids")


def kind_of(name: str, path: str = "") -> str | None:
    for pattern, param, kind in PATH_RULES:
        if param == name and re.search(pattern, path):
            return kind
    base = re.sub(r"_ids?$", "", snake(name))
    return NAME_KINDS.get(base)


@dataclass(frozen=True)
class Operation:
    api: str  # "drf" or "integration"
    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    body: object | None  # the JSON body template (ids not yet placed), or None
    body_form: bool = False  # the body is form-encoded (no JSON content type)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Probe:
    operation: Operation
    placement: str  # e.g. "path:section_id", "query:sectionId", "body:studentId", "plain"
    url: str
    body: object | None
    foreign_path: bool = False  # a B id is in the path: a read must answer 404/403
    foreign: bool = True  # a B id is placed somewhere (False: a plain probe, e.g. an unfiltered list)
    query: dict = field(default_factory=dict)


# --- reading the documents ----------------------------------------------------------------------


def load_documents() -> list[tuple[str, dict]]:
    from drf_spectacular.generators import SchemaGenerator

    from prs1.integration import api

    return [("drf", SchemaGenerator().get_schema(request=None, public=True)), ("integration", api.get_openapi_schema())]


def _resolve(schema: dict, components: dict, depth: int = 0) -> dict:
    if depth > 12 or not isinstance(schema, dict):
        return {}
    if "$ref" in schema:
        return _resolve(components.get(schema["$ref"].rsplit("/", 1)[-1], {}), components, depth + 1)
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            options = [_resolve(part, components, depth + 1) for part in schema[combinator]]
            options = [o for o in options if o.get("type") != "null"] or options
            merged: dict = {}
            for option in options if combinator == "allOf" else options[:1]:
                properties = {**merged.get("properties", {}), **option.get("properties", {})}
                merged = {**merged, **option, **({"properties": properties} if properties else {})}
            return {**{k: v for k, v in schema.items() if k != combinator}, **merged}
    return schema


def _value_for(name: str, schema: dict, components: dict, depth: int = 0) -> object:
    if name in VALUE_HINTS:
        return VALUE_HINTS[name]
    schema = _resolve(schema, components, depth)
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v not in (None, "")), schema["enum"][0])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return build_body(schema, components, depth + 1)
    if kind == "array":
        return [_value_for(name, schema.get("items", {}), components, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 10
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        return date.today().isoformat()
    if fmt == "date-time":
        return f"{date.today().isoformat()}T08:00:00Z"
    if fmt == "time":
        return "08:00:00"
    if fmt == "email":
        return "matrix@example.edu.pe"
    return "matrix"


def build_body(schema: dict, components: dict, depth: int = 0) -> dict:
    """A minimal body: required properties, plus every id-like property (so it can be probed)."""
    schema = _resolve(schema, components, depth)
    required = set(schema.get("required", ()))
    body = {}
    for name, prop in schema.get("properties", {}).items():
        resolved = _resolve(prop, components, depth + 1)
        if resolved.get("readOnly"):
            continue
        if name in required or is_id_name(name):
            body[name] = _value_for(name, prop, components, depth + 1)
    return body


def _request_body(op: dict, components: dict) -> tuple[object | None, bool]:
    content = (op.get("requestBody") or {}).get("content") or {}
    if not content:
        return None, False
    media = content.get("application/json")
    form = media is None
    media = media or next(iter(content.values()))
    schema = _resolve(media.get("schema", {}), components)
    examples = media.get("examples") or {}
    body = None
    for example in examples.values():
        if isinstance(example, dict) and isinstance(example.get("value"), dict):
            body = copy.deepcopy(example["value"])
            break
    if body is None and "example" in media:
        body = copy.deepcopy(media["example"])
    if body is None:
        body = build_body(schema, components)
    elif isinstance(body, dict):  # the example may leave out optional id fields: add them
        for name, prop in schema.get("properties", {}).items():
            if name not in body and is_id_name(name) and not _resolve(prop, components).get("readOnly"):
                body[name] = _value_for(name, prop, components)
    return body, form


def operations() -> list[Operation]:
    found = []
    for api, document in load_documents():
        components = document.get("components", {}).get("schemas", {})
        for path, item in document["paths"].items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                params = [*shared, *op.get("parameters", [])]
                body, form = _request_body(op, components)
                found.append(Operation(
                    api=api, method=method.upper(), path=path,
                    path_params=tuple(p["name"] for p in params if p.get("in") == "path"),
                    query_params=tuple(p["name"] for p in params if p.get("in") == "query"),
                    body=body, body_form=form))
    return found


# --- mapping: what the generator cannot fill ----------------------------------------------------


def body_id_fields(body: object, prefix: str = "") -> list[str]:
    """Dotted paths of the id-like fields of a body (`exceptions[].studentId`)."""
    found: list[str] = []
    if isinstance(body, dict):
        for name, value in body.items():
            here = f"{prefix}{name}"
            if is_id_name(name) and (not isinstance(value, dict | list) or is_list_name(name)):
                found.append(here)
            elif isinstance(value, dict):
                found += body_id_fields(value, f"{here}.")
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                found += body_id_fields(value[0], f"{here}[].")
    return sorted(set(found))


def _leaf(field_path: str) -> str:
    return field_path.rsplit(".", 1)[-1].removeprefix("[]")


def unmapped(op: Operation) -> list[str]:
    """The parameters and fields of `op` the generator cannot fill (each a reason to fail)."""
    missing = []
    for name in op.path_params:
        if name not in NON_ID_PATH and kind_of(name, op.path) is None:
            missing.append(f"path parameter {name!r}")
    for name in op.query_params:
        if is_id_name(name) and kind_of(name, op.path) is None:
            missing.append(f"query parameter {name!r}")
    for field_path in body_id_fields(op.body):
        if kind_of(_leaf(field_path), op.path) is None:
            missing.append(f"body field {field_path!r}")
    return missing


# --- probes -----------------------------------------------------------------------------------


def _set_ids(body: object, chosen: set[str] | None, ids_a: dict, ids_b: dict, path: str, prefix: str = "") -> object:
    """A copy of `body` with every id field filled: B's id for the fields in `chosen` (all if None), A's otherwise."""
    if isinstance(body, dict):
        out = {}
        for name, value in body.items():
            here = f"{prefix}{name}"
            kind = kind_of(name, path) if is_id_name(name) else None
            if kind is not None and (not isinstance(value, dict | list) or is_list_name(name)):
                ids = ids_b if chosen is None or here in chosen else ids_a
                out[name] = [ids[kind]] if is_list_name(name) else ids[kind]
            elif isinstance(value, dict):
                out[name] = _set_ids(value, chosen, ids_a, ids_b, path, f"{here}.")
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                out[name] = [_set_ids(value[0], chosen, ids_a, ids_b, path, f"{here}[].")]
            else:
                out[name] = copy.deepcopy(value)
        return out
    return copy.deepcopy(body)


def _url(op: Operation, foreign: set[str], ids_a: dict, ids_b: dict) -> str:
    url = op.path
    for name in op.path_params:
        if name in NON_ID_PATH:
            value = NON_ID_PATH[name]
            value = ids_a[value] if value in ids_a else value
        else:
            kind = kind_of(name, op.path)
            value = (ids_b if name in foreign else ids_a)[kind]
        url = url.replace("{" + name + "}", str(value))
    return url


def probes_for(op: Operation, ids_a: dict, ids_b: dict) -> list[Probe]:
    """Every placement of B's ids in `op`; a plain probe when it takes no school id at all."""
    probes: list[Probe] = []
    id_params = [p for p in op.path_params if p not in NON_ID_PATH and kind_of(p, op.path) not in GLOBAL_KINDS]
    base_body = _set_ids(op.body, set(), ids_a, ids_b, op.path) if op.body is not None else None
    base_url = _url(op, set(), ids_a, ids_b)
    if id_params:
        probes.append(Probe(op, "path:" + ",".join(id_params), _url(op, set(id_params), ids_a, ids_b), base_body,
                            foreign_path=True))
        if len(id_params) > 1:
            for name in id_params:
                probes.append(Probe(op, f"path:{name}", _url(op, {name}, ids_a, ids_b), base_body, foreign_path=True))
    for name in op.query_params:
        kind = kind_of(name, op.path) if is_id_name(name) else None
        if kind is not None and kind not in GLOBAL_KINDS:
            probes.append(Probe(op, f"query:{name}", base_url, base_body, query={name: ids_b[kind]}))
    fields = [f for f in body_id_fields(op.body) if kind_of(_leaf(f), op.path) not in (None, *GLOBAL_KINDS)]
    for field_path in fields:
        probes.append(Probe(op, f"body:{field_path}", base_url,
                            _set_ids(op.body, {field_path}, ids_a, ids_b, op.path)))
    if len(fields) > 1:
        probes.append(Probe(op, "body:*", base_url, _set_ids(op.body, None, ids_a, ids_b, op.path)))
    if not id_params and (op.method == "GET" or not probes):
        probes.append(Probe(op, "plain", base_url, base_body, foreign=False))
    return probes
