"""/api/docs/: the API reference as one server-rendered page, generated from the OpenAPI schema.

No JavaScript and no CDN: it works offline and behind any firewall. Every endpoint with its
parameters and responses, and every schema component with each field's type and description.
"""

from __future__ import annotations

import functools
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
