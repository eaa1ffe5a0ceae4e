from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from honeydesk.api.urls import api

urlpatterns: list[URLPattern | URLResolver] = [
    # One sign-in for everything: the admin site's own login form would skip django-axes'
    # clear lockout page and the second factor (honeydesk.web.security).
    path("admin/login/", RedirectView.as_view(pattern_name="web:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("honeydesk.web.urls")),
]
# Static files: `honeydesk serve` has granian serve /static/ from STATIC_ROOT; under
# DEBUG, runserver's staticfiles app serves them; behind a proxy, the proxy does.
