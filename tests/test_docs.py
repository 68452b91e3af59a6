"""Docs that tests keep honest: every public API route is in docs/api.md (settings: test_settings_and_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import URLResolver, get_resolver

REPO = Path(__file__).resolve().parent.parent


def _placeholder(match: re.Match[str]) -> str:
    name = str(match.group(1))
    return "{" + ("id" if name == "run_id" else name) + "}"


def test_every_api_route_is_in_docs_api_md():
    docs = (REPO / "docs" / "api.md").read_text()
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/")
    assert isinstance(api, URLResolver)
    routes = [str(p.pattern) for p in api.url_patterns if "<" in str(p.pattern) or str(p.pattern).endswith("/")]
    for route in routes:
        if route.startswith(("bench/", "^")):  # the bench yardstick and the JSON 404 catch-all
            continue
        documented = "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", _placeholder, route)
        assert documented in docs, documented
