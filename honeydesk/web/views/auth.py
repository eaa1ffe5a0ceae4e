"""Sign-in: staff with a password (and a second factor), customers by a one-time link.

- Staff: Django's login view behind django-axes, which refuses further attempts for a
  username or a network address after HONEYDESK_SIGNIN_FAILURE_LIMIT failures (the
  right password included) and says so (`locked_out`). Staff with an authenticator app,
  or whom the security policy requires to have one, then enter a code
  (`second_factor`); until they do, `honeydesk.web.security` lets them reach nothing else.
- Customers: `portal_login` mails a link (`honeydesk.accounts.signin`); the link opens a
  page that asks "Sign in as ...?", and only the POST of that page uses the link up.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from honeydesk.accounts import audit, signin
from honeydesk.accounts.actions import do_give_portal_login
from honeydesk.accounts.models import User
from honeydesk.web.security import NO_DEVICE, policy
from honeydesk.web.views.common import user_of

Action = audit.Action


def home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not user.is_authenticated:
        return redirect("web:login")
    return redirect("web:queue" if user.is_staff_member else "web:portal")


SIGNED_OUT = "signed_out"


class StaffLoginView(LoginView):
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Only for nobody signed in: a link to /login/?signed_out=1 cannot wipe a rep's drafts.
        context["signed_out"] = SIGNED_OUT in self.request.GET and not self.request.user.is_authenticated
        return context


class SignOutView(LogoutView):
    """Django's sign-out, landing on the sign-in page marked "signed out", where a script
    from the app's static files deletes the composer drafts this browser kept (desk.js):
    on a shared computer they would otherwise wait for the next person."""

    def get_default_redirect_url(self) -> str:
        return f"{reverse('web:login')}?{SIGNED_OUT}=1"


def locked_out(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes' answer once a username or a network has too many failed sign-ins."""
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    message = (
        f"Too many failed sign-ins for this username or from your network. Sign-in is blocked for {minutes} "
        "minutes; if you have forgotten your password, ask an admin to reset it."
    )
    return render(request, "registration/login.html", {"locked": message, "next": ""}, status=429)


def _safe_next(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return default


# --- the second factor -----------------------------------------------------------------


def _confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def _qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, no script)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, omitsize=True))


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enter the code of one's authenticator app, or set one up (no confirmed device
    yet), or see that it is on and remove it (when the policy allows)."""
    user = user_of(request)
    if not user.is_authenticated:
        return redirect(f"{reverse('web:login')}?next={request.path}")
    if not user.is_staff_member:
        return redirect("web:portal")
    next_url = _safe_next(request, reverse("web:home"))
    device = _confirmed_device(user)
    required = policy().requires_second_factor(user)
    context: dict[str, Any] = {"next": next_url, "required": required}
    if device is not None and user.is_verified():  # type: ignore[attr-defined]
        if request.method == "POST" and request.POST.get("action") == "remove" and not required:
            TOTPDevice.objects.filter(user=user).delete()
            request.session.pop(NO_DEVICE, None)
            audit.record(Action.SECOND_FACTOR_REMOVED, actor=user, target=f"user {user.username}", request=request)
            return render(request, "registration/second_factor.html", {**context, "removed": True})
        return render(request, "registration/second_factor.html", {**context, "enabled": True})
    if device is not None:
        return _verify(request, user, device, context)
    return _enrol(request, user, context)


def _verify(request: HttpRequest, user: User, device: TOTPDevice, context: dict[str, Any]) -> HttpResponse:
    if request.method == "POST":
        allowed, why = device.verify_is_allowed()
        if not allowed:
            count = (why or {}).get("failure_count", 0)
            context["error"] = f"{count} wrong codes in a row: wait a little before the next try."
        elif device.verify_token(request.POST.get("code", "").strip().replace(" ", "")):
            otp_login(request, device)
            return redirect(context["next"])
        else:
            context["error"] = "That code is not right, or has been used already. Enter the current code."
            audit.record(Action.SECOND_FACTOR_FAILED, actor=user, target=f"user {user.username}", request=request)
        return render(request, "registration/second_factor.html", {**context, "verify": True}, status=400)
    return render(request, "registration/second_factor.html", {**context, "verify": True})


def _enrol(request: HttpRequest, user: User, context: dict[str, Any]) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    status = 200
    if request.method == "POST":
        if device.verify_token(request.POST.get("code", "").strip().replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session.pop(NO_DEVICE, None)
            audit.record(Action.SECOND_FACTOR_ADDED, actor=user, target=f"user {user.username}", request=request)
            return redirect(context["next"])
        context["error"] = "That code is not right. Enter the six digits the app shows now."
        status = 400
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    context.update(enrol=True, qr=_qr_svg(device), secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)))
    return render(request, "registration/second_factor.html", context, status=status)


# --- customers: one-time links -------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def portal_login(request: HttpRequest) -> HttpResponse:
    sent = False
    error = ""
    status = 200
    if request.method == "POST":
        address = request.POST.get("email", "").strip()
        if "@" not in address or len(address) > 254 or "\x00" in address:
            error = "Enter the e-mail address we have on file for you."
            status = 422
        else:
            ip = signin.client_ip(request)
            asked = signin.request_link(do_give_portal_login(address), ip)
            if asked.throttled:
                audit.record(Action.LINK_REFUSED, actor_name=address[:200], request=request, data={"why": "network"})
                error = asked.throttled
                status = 429
            else:
                if asked.account_limit:
                    audit.record(
                        Action.LINK_REFUSED, actor_name=address[:200], request=request, data={"why": "account"}
                    )
                if asked.user is not None and asked.token is not None:
                    _mail_link(asked.user, asked.token, address)
                    audit.record(Action.LINK_SENT, actor_name=asked.user.username, request=request)
                # Same answer whether or not the address is known: no address probing.
                sent = True
    context = {"sent": sent, "error": error, "per_hour": settings.SIGNIN_LINKS_PER_ACCOUNT_HOUR}
    return render(request, "portal/login.html", context, status=status)


def _mail_link(user: User, token: str, address: str) -> None:
    link = settings.BASE_URL + reverse("web:portal_link", kwargs={"token": token})
    minutes = settings.SIGNIN_LINK_MINUTES
    send_mail(
        "Your honeydesk sign-in link",
        f"Hello {user.first_name},\n\nSign in to see and answer your cases:\n{link}\n\n"
        f"The link works once, for {minutes} minutes. If you did not ask for it, ignore this mail.",
        settings.DEFAULT_FROM_EMAIL,
        [address],
    )


EXPIRED = "This sign-in link has expired or was used already. Ask for a new one below."


@never_cache
@require_http_methods(["GET", "POST"])
def portal_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows whose link this is and a button; only that button's POST (with the
    page's CSRF token) signs in, and only once."""
    if request.method == "GET":
        user = signin.link_user(token)
        if user is None:
            return render(request, "portal/login.html", {"error": EXPIRED}, status=400)
        return render(request, "portal/link.html", {"who": user})
    user = signin.use_link(token)
    if user is None:
        return render(request, "portal/login.html", {"error": EXPIRED}, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("web:portal")
