from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from honeydesk.api.urls import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("honeydesk.web.urls")),
]
# Static files: `honeydesk serve` has granian serve /static/ from STATIC_ROOT; under
# DEBUG, runserver's staticfiles app serves them; behind a proxy, the proxy does.
