"""/api/docs/: the API reference as one server-rendered page, generated from the OpenAPI schema.

No JavaScript and no CDN: it works offline and behind any firewall. Every endpoint with its
parameters and responses, and every schema component with each field's type and description.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from drf_spectacular.generators import SchemaGenerator


@functools.cache
def _schema() -> dict[str, Any]:
    # The schema depends only on the code, so one generation per process is enough.
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    return schema


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "allOf" in prop:
        return " & ".join(_type(p) for p in prop["allOf"])
    if "oneOf" in prop:
        return " | ".join(_type(p) for p in prop["oneOf"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"array of {_type(prop.get('items', {}))}"
    detail = prop.get("format") or ("/".join(map(str, prop["enum"])) if "enum" in prop else "")
    text = f"{kind} ({detail})" if detail else str(kind)
    return text + (", nullable" if prop.get("nullable") else "")


def _fields(component: dict[str, Any]) -> list[dict[str, str]]:
    required = set(component.get("required", []))
    return [
        {
            "name": name,
            "type": _type(prop),
            "required": "yes" if name in required else "",
            "description": prop.get("description", "") or _ref_description(prop),
        }
        for name, prop in component.get("properties", {}).items()
    ]


def _ref_description(prop: dict[str, Any]) -> str:
    for inner in prop.get("allOf", []):
        if "description" in inner:
            return str(inner["description"])
    return ""


def _example(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """A response shaped by its schema, with placeholder values of each type, for the page's examples."""
    if "example" in schema:
        return schema["example"]
    if "$ref" in schema:
        if depth > 4:
            return {}
        return _example(components.get(str(schema["$ref"]).rsplit("/", 1)[-1], {}), components, depth + 1)
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            return _example(schema[key][0], components, depth)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: _example(v, components, depth + 1) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [_example(schema.get("items", {}), components, depth + 1)]
    if "enum" in schema:
        return schema["enum"][0]
    fmt = schema.get("format", "")
    samples = {
        "date-time": "2026-12-03T09:30:00Z",
        "date": "2026-12-03",
        "decimal": "1000000.00",
        "uri": "https://example.org/",
    }
    if kind == "string":
        return samples.get(fmt, "string")
    return {"integer": 1, "number": "1.0", "boolean": True}.get(str(kind))


def _responses(operation: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for status, answer in operation.get("responses", {}).items():
        content = answer.get("content", {})
        media = ", ".join(content)
        first: dict[str, Any] = next(iter(content.values()), {})
        schema = first.get("schema", {})
        rows.append(
            {
                "status": status,
                "media": media,
                "type": _type(schema) if schema else "",
                "description": answer.get("description", ""),
            }
        )
    return rows


def _ok_example(operation: dict[str, Any], components: dict[str, Any]) -> str:
    answer = operation.get("responses", {}).get("200", {})
    body = answer.get("content", {}).get("application/json", {}).get("schema")
    return json.dumps(_example(body, components), indent=2, ensure_ascii=False) if body else ""


@cache_control(public=True, max_age=3600)  # changes only with a deployment
def api_docs(request: HttpRequest) -> HttpResponse:
    schema = _schema()
    endpoints = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": op.get("operationId", ""),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "type": _type(p.get("schema", {})),
                            "required": "yes" if p.get("required") else "",
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "responses": _responses(op),
                    "example": _ok_example(op, schema.get("components", {}).get("schemas", {})),
                }
            )
    components = [
        {"name": name, "description": comp.get("description", ""), "fields": _fields(comp)}
        for name, comp in sorted(schema.get("components", {}).get("schemas", {}).items())
    ]
    return render(
        request,
        "reserves/api_docs.html",
        {"info": schema.get("info", {}), "endpoints": endpoints, "components": components},
    )
