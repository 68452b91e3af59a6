"""Error bodies and throttling of the public API.

Imported by DRF's settings while ``rest_framework.views`` is still loading, so this module must
not import it at module level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle


class AnonApiThrottle(AnonRateThrottle):
    """Anonymous clients, by address, at ``API_ANON_RATE`` (read per request, so tests and ops can change it)."""

    def get_rate(self) -> str | None:
        rate: str = getattr(settings, "API_ANON_RATE", "")
        return rate or None


class ErrorBodySerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(help_text="machine-readable error code: not_found, invalid, throttled, ...")
    message = serializers.CharField(help_text="human-readable explanation")
    status = serializers.IntegerField(help_text="the HTTP status code, repeated")
    details = serializers.JSONField(
        required=False, help_text="per-parameter messages for invalid requests (400), absent otherwise"
    )


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    error = ErrorBodySerializer(help_text="what went wrong")


ERROR_RESPONSES: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(ErrorSerializer, description="a query parameter is invalid"),
    404: OpenApiResponse(ErrorSerializer, description="no such resource"),
    406: OpenApiResponse(ErrorSerializer, description="the requested format cannot be produced"),
    429: OpenApiResponse(ErrorSerializer, description="too many requests; see the Retry-After header"),
}


def _message(detail: Any) -> str:
    if isinstance(detail, Mapping):
        first = next(iter(detail.items()), None)
        return "invalid request" if first is None else f"{first[0]}: {_message(first[1])}"
    if isinstance(detail, Sequence) and not isinstance(detail, str):
        return _message(detail[0]) if detail else "invalid request"
    return str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with every error body shaped ``{"error": {"code", "message", "status"[, "details"]}}``."""
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (logged, no details leaked)
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        detail: Any = exc.detail
    else:  # Http404 and PermissionDenied, converted by DRF
        code = "not_found" if response.status_code == 404 else "permission_denied"
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
    body: dict[str, Any] = {"code": str(code), "message": _message(detail), "status": response.status_code}
    if isinstance(detail, (Mapping, list)):
        body["details"] = detail
    response.data = {"error": body}
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: what Django refuses before any view (a bad Host header, too many fields); JSON under /api/."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": "bad_request", "message": "bad request", "status": 400}}
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: under /api/ the same JSON error body as every other API error; elsewhere Django's page."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": "server_error", "message": "internal server error", "status": 500}}
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
