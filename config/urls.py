from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from api.docs import api_docs
from api.runs import NotFoundApi
from web.auth import ThrottledLoginView
from web.pages import public_coin, public_index, public_report
from web.throttle import throttled
from web.views import home, set_zone

urlpatterns = [
    path("", home, name="home"),
    # Anonymous pages share the public pages' throttle (web/throttle.py): the login and the reset form (which
    # sends mail) are what a script would hammer; the API docs page is the largest page anyone can ask for.
    path("login/", throttled(ThrottledLoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password change and reset by email: Django's views, our templates (templates/registration/).
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("account/reset/", throttled(auth_views.PasswordResetView.as_view()), name="password_reset"),
    path("account/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "account/reset/<uidb64>/<token>/",
        throttled(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path("account/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("zone/", set_zone, name="set_zone"),
    path("admin/", admin.site.urls),
    path("attestations/", include("web.issuer_urls")),
    path("regulator/", include("web.regulator_urls")),
    path("coins/", public_index, name="public_index"),
    path("coins/<slug:symbol>/", public_coin, name="public_coin"),
    path("coins/<slug:symbol>/report/", public_report, name="public_report"),
    path("api/v1/", include("api.urls")),
    path("api/v1/", include("api.issuer_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", throttled(api_docs), name="api-docs"),
    # Keep last: anything else under /api/v1/ answers a JSON 404 like every other API error.
    re_path(r"^api/v1/(?P<path>[\s\S]*)$", NotFoundApi.as_view(), name="api-not-found"),
]

handler400 = "api.errors.bad_request"
handler500 = "api.errors.server_error"
