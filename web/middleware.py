"""The reader's time zone: Hong Kong time for Hong Kong readers, UTC otherwise (UTC is always on hover).

A reader is a Hong Kong reader when they read in Traditional Chinese or their browser names Hong Kong
(``Accept-Language: en-HK``). A reader may choose a zone with the footer's switcher (the ``tz`` cookie).
Runs after ``LocaleMiddleware``, so the language is already the one the page will be in.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

HONG_KONG = "Asia/Hong_Kong"
UTC = "UTC"
ZONES = (HONG_KONG, UTC)
COOKIE = "tz"


def reader_zone(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(COOKIE, "")
    if chosen in ZONES:
        return chosen
    if translation.get_language() == "zh-hant":
        return HONG_KONG
    if "-hk" in request.headers.get("Accept-Language", "").lower():
        return HONG_KONG
    return UTC


class ReaderTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = reader_zone(request)
        timezone.activate(ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
