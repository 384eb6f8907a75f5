"""docs/openapi.yaml for the tests: its operations, the app's routes in its notation, and responses checked
against its schemas with `jsonschema` (JSON Schema 2020-12, as OpenAPI 3.1 uses).

The spec never sets `additionalProperties`; here an object schema without it is closed, so a response that
carries an undocumented field fails, as it did with the hand-written checker this replaces.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
_SPEC_URI = "urn:quizapp:openapi"


def load_spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def operations(spec: dict):
    """(path, method, operation) for every operation of the spec."""
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def flask_routes(app, only_api_blueprint: bool = False) -> dict[tuple[str, str], dict[str, str]]:
    """(OpenAPI-style path, method) -> {variable: converter} for the app's routes."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if only_api_blueprint and not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:(\w+):)?(\w+)>", r"{\2}", rule.rule)
        converters = {name: conv or "default" for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)}
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes[(path, method.lower())] = converters
    return routes


def resolve(spec: dict, node):
    """Follow `$ref`s (of parameters, responses, schemas) to the node they name; KeyError if one dangles."""
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k not in ("$ref", "description")}}
    return node


def response_schema(spec: dict, operation_id: str, status: int) -> dict:
    for _, _, op in operations(spec):
        if op["operationId"] == operation_id:
            response = resolve(spec, op["responses"][str(status)])
            return response["content"]["application/json"]["schema"]
    raise KeyError(operation_id)


def check(spec: dict, schema: dict, value, where: str = "$") -> None:
    """AssertionError naming the places (up to ten) where `value` does not fit `schema`, a schema of `spec`."""
    validator = Draft202012Validator(_closed_schema(schema), registry=_registry(spec),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    assert not errors, f"{where}: " + "; ".join(f"{e.json_path}: {e.message}" for e in errors[:10])


_registries: dict[int, tuple[dict, Registry]] = {}  # id(spec) -> (spec, registry): one closed copy per loaded spec


def _registry(spec: dict) -> Registry:
    """A registry holding a closed copy of `spec` (its object schemas refuse undocumented properties)."""
    kept = _registries.get(id(spec))
    if kept is None or kept[0] is not spec:
        closed = copy.deepcopy(spec)
        schemas = closed.get("components", {}).get("schemas", {})
        for name, schema in schemas.items():
            schemas[name] = _closed_schema(schema)
        resource = Resource.from_contents(closed, default_specification=DRAFT202012)
        kept = _registries[id(spec)] = (spec, Registry().with_resource(_SPEC_URI, resource))
    return kept[1]


def _closed_schema(schema):
    """A copy of `schema` whose object schemas refuse undocumented properties, and whose local `$ref`s point
    into the registered spec."""
    if isinstance(schema, list):
        return [_closed_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "$ref" and isinstance(v, str) and v.startswith("#/"):
            out[k] = _SPEC_URI + v
        elif k == "properties" and isinstance(v, dict):
            out[k] = {name: _closed_schema(s) for name, s in v.items()}
        elif k in ("items", "oneOf", "anyOf", "allOf", "not", "additionalProperties", "prefixItems"):
            out[k] = _closed_schema(v)
        else:
            out[k] = v
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out
