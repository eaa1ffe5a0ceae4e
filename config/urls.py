from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from honeydesk.api.urls import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("honeydesk.web.urls")),
]

if settings.SERVE_STATIC:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
