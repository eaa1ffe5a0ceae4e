"""The portal brand's served parts: its stylesheet (the colour an admin chose, as CSS
custom properties) and its logo. Served, never inlined: the Content-Security-Policy
allows no inline style. Both addresses carry the brand's version, so they may be cached."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from honeydesk.branding.models import current, image_type

YEAR = 365 * 24 * 3600


def _cached(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    # Versioned addresses (?v=...) never change; an unversioned one is re-checked soon.
    response["Cache-Control"] = f"public, max-age={YEAR if request.GET.get('v') else 300}"
    return response


@require_GET
def brand_css(request: HttpRequest) -> HttpResponse:
    brand = current.get()
    # The admin site's header takes the same colour (its own custom properties).
    css = (
        f":root{{--brand:{brand.colour};--brand-ink:{brand.ink};"
        f"--header-bg:{brand.colour};--header-color:{brand.ink};--header-link-color:{brand.ink}}}\n"
    )
    return _cached(HttpResponse(css, content_type="text/css; charset=utf-8"), request)


@require_GET
def brand_logo(request: HttpRequest) -> HttpResponse:
    brand = current.get()
    if not brand.logo:
        raise Http404("No logo")
    with brand.logo.open("rb") as f:
        data = f.read()
    content_type = image_type(data[:16])
    if content_type is None:  # changed on disk since it was checked
        raise Http404("No logo")
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return _cached(response, request)
