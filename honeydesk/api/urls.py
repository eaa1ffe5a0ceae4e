"""API v1: one JSON error shape, token auth, the same access door as the pages.

Every error is `{"error": {"code": ..., "message": ..., "fields": {...}}}`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from honeydesk.api import accounts, cases, desk, merging
from honeydesk.api.auth import TokenAuth
from honeydesk.cases.models import AppendOnlyError
from honeydesk.channels.email import api as email_api
from honeydesk.channels.phone import api as phone_api
from honeydesk.credits import api as credits_api
from honeydesk.lib.errors import DomainError
from honeydesk.metrics import api as metrics_api
from honeydesk.notifications import api as notifications_api
from honeydesk.outages import api as outages_api
from honeydesk.policy import api as policy_api
from honeydesk.quality import api as quality_api
from honeydesk.rules import api as rules_api

log = logging.getLogger(__name__)


class ObjectBodyParser(Parser):
    """A JSON body must be an object: `null`, a list or a bare string is refused (400)
    instead of being read as "no fields given"."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data


class BundledSwagger(Swagger):
    """The docs page from the Swagger UI files ninja ships (config/settings.py lists their
    folders), not from a CDN: ninja picks its bundled page only when it is an installed
    app, which would load it in every process. No CSRF token on the page: the API's one
    authentication is a bearer token."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "add_csrf": False}
        return render(request, "ninja/swagger.html", context)


api = NinjaAPI(
    title="honeydesk API",
    version="1",
    description="Cases, timelines, workflow actions, accounts and contacts, credits and incidents. "
    "Authenticate with `Authorization: Bearer <token>` (`honeydesk createtoken USERNAME`).",
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
    docs=BundledSwagger(),
    parser=ObjectBodyParser(),
)
api.add_router("", cases.router)
api.add_router("", desk.router)
api.add_router("", merging.router)
api.add_router("", accounts.router)
api.add_router("", email_api.router)
api.add_router("", phone_api.router)
api.add_router("", policy_api.router)
api.add_router("", notifications_api.router)
api.add_router("", credits_api.router)
api.add_router("", outages_api.router)
api.add_router("", quality_api.router)
api.add_router("", metrics_api.router)
api.add_router("", rules_api.router)


def error(
    request: HttpRequest, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path", "filters")]
        fields.setdefault(".".join(loc) or "body", []).append(str(err.get("msg", "invalid")))
    return error(request, 422, "validation_error", "Some fields are missing or invalid.", fields)


@api.exception_handler(AuthenticationError)
def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "unauthorized", "A valid API token is required (Authorization: Bearer <token>).")


@api.exception_handler(HttpError)
def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "malformed_request", 401: "unauthorized", 403: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "error"
    )
    status = 404 if exc.status_code == 403 else exc.status_code
    message = "The request body must be a JSON object." if exc.status_code == 400 else str(exc)
    return error(request, status, code, message)


@api.exception_handler(Http404)
def _404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", "Not found.")


@api.exception_handler(AppendOnlyError)
def _append_only(request: HttpRequest, exc: AppendOnlyError) -> HttpResponse:
    return error(request, 409, "append_only", str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error(request, 413, "too_large", "The request body is larger than this server accepts.")


@api.exception_handler(DataError)
def _data(request: HttpRequest, exc: DataError) -> HttpResponse:
    # A last net under the validation: a value the database cannot store (too long, out
    # of range) is the client's input, not a server fault. The action's transaction has
    # rolled back, so nothing was half-saved.
    log.warning("database refused a value on %s %s: %s", request.method, request.path, exc)
    return error(request, 422, "validation_error", "A value is too long or out of range.")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Never a bare 500 page from the API: log it and answer in the one shape.
    log.exception("unexpected API error on %s %s", request.method, request.path)
    return error(request, 500, "server_error", "Something went wrong on our side; it has been logged.")
