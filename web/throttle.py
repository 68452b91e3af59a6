"""Throttling of the public HTML pages, as the public API throttles its answers.

The same DRF throttle machinery and the same shared count (the Django cache, Redis), keyed by client
address (API_NUM_PROXIES decides which), at PAGE_ANON_RATE. Logged-in users are not throttled. When
the cache cannot be reached the page is served anyway and the failure logged: a Redis outage must
not take the public pages down with it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import AnonRateThrottle

log = logging.getLogger(__name__)


class PageThrottle(AnonRateThrottle):
    scope = "page"

    def get_rate(self) -> str | None:
        rate: str = getattr(settings, "PAGE_ANON_RATE", "")
        return rate or None


def throttled(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        throttle = PageThrottle()
        try:
            allowed = throttle.allow_request(request, None)  # type: ignore[arg-type]
        except Exception:  # the cache is down: serve the page, say so in the log
            log.warning("page throttle skipped: the cache is unreachable", exc_info=True)
            allowed = True
        if not allowed:
            wait = throttle.wait()
            response = HttpResponse("Too many requests; try again shortly.\n", status=429, content_type="text/plain")
            response["Retry-After"] = str(max(1, int(wait or 1)))
            return response
        return view(request, *args, **kwargs)

    return wrapper
