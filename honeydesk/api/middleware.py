"""Every answer under /api/ is JSON in the one error shape, even the ones Django or
django-ninja produce before an endpoint runs (unknown path, wrong method)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

CODES = {404: ("not_found", "Not found."), 405: ("method_not_allowed", "This method is not allowed here.")}


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and "\x00" in request.path:
            # No object's name holds a NUL (and PostgreSQL could not even look one up).
            code, message = CODES[404]
            return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=404)
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in CODES
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = CODES[response.status_code]
            shaped = JsonResponse(
                {"error": {"code": code, "message": message, "fields": {}}}, status=response.status_code
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
