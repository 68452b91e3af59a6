"""HTTP behaviour shared by every public API view: validators and 304s, Cache-Control, CSV, errors, throttling.

Caching policy (docs/api.md, "Caching"): each view states ``cache_seconds`` with the reason for its TTL.
ETags are weak and computed from the response data with the ``age_seconds`` fields left out: the age
grows every second while the figures stay the same, and a client holding a 304'd body can recompute
the age from ``read_at``. The freshness *status* is part of the tag, so a coin turning stale changes it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ERROR_RESPONSES as ERROR_RESPONSES
from attest.csvexport import csv_text

VOLATILE_KEYS = frozenset({"age_seconds"})


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}{key}."))
        return out
    if isinstance(value, list):
        # Nested lists (blocks, flags) go into one cell as JSON: a table cell cannot hold a table.
        return {prefix[:-1]: json.dumps(value, separators=(",", ":"), default=str)}
    return {prefix[:-1]: "" if value is None else value}


class RawJSON(str):
    """A JSON text prepared in advance (reserves/documents.py): rendered as it is, never encoded twice."""


class PreparedJSONRenderer(JSONRenderer):
    """JSON, passing prepared text through untouched; anything else as DRF renders it."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        if isinstance(data, RawJSON):
            return data.encode()
        rendered: bytes = super().render(data, accepted_media_type, renderer_context)
        return rendered


class CsvRenderer(BaseRenderer):
    """``?format=csv`` (or ``Accept: text/csv``): the table of a list endpoint, one row per item.

    Nested objects become dotted columns (``outstanding.amount``); nested lists a JSON cell. Paginated
    answers render their ``results``; the page links travel in the ``Link`` header.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        if isinstance(data, RawJSON):
            data = json.loads(data)
        if isinstance(data, Mapping) and "results" in data:
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        flat = [_flatten(r) for r in rows]
        columns: list[str] = []
        for row in flat:
            columns.extend(c for c in row if c not in columns)
        return csv_text(columns, ([row.get(c, "") for c in columns] for row in flat)).encode()


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv"],
    required=False,
    description="json (default) or csv: the table as comma-separated values, one row per item",
)


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=``; the page links also go into a ``Link`` header so CSV clients can follow them."""

    default_limit = 100
    max_limit = 1000

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged: dict[str, Any] = super().get_paginated_response_schema(schema)
        descriptions = {
            "count": "how many items match, over all pages",
            "next": "URL of the next page, null on the last",
            "previous": "URL of the previous page, null on the first",
            "results": "this page's items",
        }
        for name, text in descriptions.items():
            paged["properties"][name]["description"] = text
        return paged

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        return self._with_links(response)

    def get_prepared_response(self, items: list[str]) -> Response:
        """The page of items already encoded as JSON texts, in the envelope ``get_paginated_response`` makes."""
        envelope = json.dumps(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link()},
            separators=(",", ":"),
        )
        return self._with_links(Response(RawJSON(envelope[:-1] + ',"results":[' + ",".join(items) + "]}")))

    def _with_links(self, response: Response) -> Response:
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link()))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response


def _strip_volatile(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip_volatile(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_strip_volatile(v) for v in value]
    return value


def weak_etag(data: Any, variant: str) -> str:
    body = json.dumps(_strip_volatile(data), sort_keys=True, separators=(",", ":"), default=str)
    return "W/" + quote_etag(hashlib.sha256(f"{variant}\n{body}".encode()).hexdigest()[:32])


@dataclass(frozen=True)
class _Stored:
    at: float
    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str
    last_modified: int | None


# Answers reused by this process for API_CACHE_SECONDS: a coin's prepared answer takes ~2 ms and one
# query to serve, a kept one ~0.1 ms. Process memory, not Redis: a Redis round trip would cost as
# much as the answer saves, and every process computing its own copy once per TTL is cheap.
_MICRO_CACHE: dict[str, _Stored] = {}
_MICRO_CACHE_MAX = 10_000


def _micro_key(request: HttpRequest) -> str:
    return f"{request.get_full_path()}\n{request.META.get('HTTP_ACCEPT', '')}"


class CachedApiView(APIView):
    """A read-only view that answers conditional requests (304) and states how long it may be cached.

    Subclasses set ``cache_seconds`` (with a comment giving the reason) and may set
    ``self.last_modified`` in ``get`` to the newest instant the answer depends on. Successful answers
    are also kept in process memory for ``API_CACHE_SECONDS``; a reused answer has an ``Age`` header
    (seconds since it was computed: add it to ``age_seconds``).
    """

    cache_seconds = 0
    last_modified: datetime | None = None
    renderer_classes: list[type[BaseRenderer]] = [PreparedJSONRenderer]
    # Public and read-only: the same answer for everyone, so nobody is authenticated (a browser's
    # session cookie is never even looked up); anonymous throttling still applies.
    authentication_classes: list[type[BaseAuthentication]] = []
    # A view may say what its answer depends on instead of having it serialised a second time for
    # the ETag (the list of every coin is large; its publications' ids say as much, much cheaper).
    etag_basis: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        ttl = settings.API_CACHE_SECONDS
        stored = _MICRO_CACHE.get(_micro_key(request)) if ttl and request.method in ("GET", "HEAD") else None
        if stored is not None:
            age = time.monotonic() - stored.at
            # A throttled client takes the normal path, which answers the 429.
            if age < ttl and all(t.allow_request(request, self) for t in self.get_throttles()):  # type: ignore[arg-type]
                response = HttpResponse(stored.content)
                for name, value in stored.headers:
                    response[name] = value
                response["Age"] = str(int(age))
                conditional = get_conditional_response(
                    request, etag=stored.etag, last_modified=stored.last_modified, response=response
                )
                return conditional if conditional is not None else response
        return super().dispatch(request, *args, **kwargs)

    def _remember(self, request: HttpRequest, response: Response, etag: str, last_modified: int | None) -> None:
        if not settings.API_CACHE_SECONDS:
            return
        response.render()
        if len(_MICRO_CACHE) >= _MICRO_CACHE_MAX:
            _MICRO_CACHE.clear()
        _MICRO_CACHE[_micro_key(request)] = _Stored(
            at=time.monotonic(),
            content=response.content,
            headers=tuple(response.items()),
            etag=etag,
            last_modified=last_modified,
        )

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # DRF silently ignores an empty ?format= and answers 404 to an unknown one; both are a
        # request for a representation we do not have: 406, as HTTP says.
        wanted = request.query_params.get("format")
        if wanted is not None and wanted not in {r.format for r in self.renderer_classes}:
            raise exceptions.NotAcceptable(
                f"format {wanted!r} is not offered here; use one of: "
                + ", ".join(r.format for r in self.renderer_classes)
            )
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        assert isinstance(response, HttpResponseBase)
        patch_vary_headers(response, ["Accept"])
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or not isinstance(response, Response):
            return response  # type: ignore[return-value]  # DRF passes Django responses through as they are
        variant = getattr(getattr(response, "accepted_renderer", None), "format", "json")
        if self.etag_basis is not None:
            etag = "W/" + quote_etag(hashlib.sha256(f"{variant}\n{self.etag_basis}".encode()).hexdigest()[:32])
        else:
            etag = weak_etag(response.data, variant)
        response["ETag"] = etag
        if self.last_modified is not None:
            response["Last-Modified"] = http_date(self.last_modified.timestamp())
        patch_cache_control(response, public=True, max_age=self.cache_seconds)
        last_modified = int(self.last_modified.timestamp()) if self.last_modified else None
        self._remember(request._request, response, etag, last_modified)
        conditional = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        if conditional is None or conditional is response:
            return response
        # A 304 (or 412): Django copied the validators and Cache-Control onto it. DRF's dispatch only
        # needs an HttpResponse here, whatever its annotation says.
        return conditional  # type: ignore[return-value]


RENDERERS: list[type[BaseRenderer]] = [PreparedJSONRenderer]
TABLE_RENDERERS: list[type[BaseRenderer]] = [PreparedJSONRenderer, CsvRenderer]
