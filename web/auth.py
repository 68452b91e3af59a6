"""The login page: Django's login view with the lockout form of attest/auth.py."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from attest.auth import ThrottledAuthenticationForm


class ThrottledLoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
