"""The default URLconf: the API and every page (`config.urls_pages`)."""

from django.urls import URLPattern, URLResolver, path

from config.urls_pages import urlpatterns as pages
from honeydesk.api.urls import api

urlpatterns: list[URLPattern | URLResolver] = [path("api/v1/", api.urls), *pages]
