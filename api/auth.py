"""Token authentication for the issuer API, with tokens that expire after API_TOKEN_MAX_AGE seconds.

Tokens are DRF's (rest_framework.authtoken), so `manage.py drf_create_token USER` prints a user's key
and `drf_create_token -r USER` replaces it with a new one, which is how an expired token is renewed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        max_age = settings.API_TOKEN_MAX_AGE
        if max_age and token.created < timezone.now() - timedelta(seconds=max_age):
            raise exceptions.AuthenticationFailed("Token expired; ask for a new one (manage.py drf_create_token -r).")
        return user, token
