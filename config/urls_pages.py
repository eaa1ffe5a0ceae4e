"""Every URL but the API: the URLconf of a server that serves the pages only.

`honeydesk serve --pages-only` (HONEYDESK_PAGES_ONLY=1) uses it, so that its workers never
import django-ninja, pydantic and the API's schemas (about 24 MB a worker, measured by
`bench/worker_memory.py`); a proxy sends /api/ to servers started without the flag
(README, "Running on several machines"). `config.urls`, the default, is this plus the API.
"""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    # One sign-in for everything: the admin site's own login form would skip django-axes'
    # clear lockout page and the second factor (honeydesk.web.security).
    path("admin/login/", RedirectView.as_view(pattern_name="web:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("", include("honeydesk.web.urls")),
]
# Static files: `honeydesk serve` has granian serve /static/ from STATIC_ROOT; under
# DEBUG, runserver's staticfiles app serves them; behind a proxy, the proxy does.
