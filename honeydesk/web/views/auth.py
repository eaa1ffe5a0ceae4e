"""Sign-in: staff with a password; customers by a one-time link sent by e-mail.

The link's token hashes the user's last login time (the same trick as Django's password
reset tokens), so it stops working the moment it is used, and after a time limit.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.http import require_http_methods

from honeydesk.accounts.actions import do_give_portal_login
from honeydesk.accounts.models import Role, User
from honeydesk.web.views.common import user_of

LINK_MINUTES = 30


class OneTimeLinkTokens(PasswordResetTokenGenerator):
    key_salt = "honeydesk.portal.one-time-link"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        login_at = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}{login_at}{timestamp}{user.is_active}"


one_time_links = OneTimeLinkTokens()


def home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not user.is_authenticated:
        return redirect("web:login")
    return redirect("web:queue" if user.is_staff_member else "web:portal")


@require_http_methods(["GET", "POST"])
def portal_login(request: HttpRequest) -> HttpResponse:
    sent = False
    error = ""
    if request.method == "POST":
        address = request.POST.get("email", "").strip()
        if "@" not in address or len(address) > 254:
            error = "Enter the e-mail address we have on file for you."
        else:
            user = do_give_portal_login(address)
            if user is not None:
                uid = urlsafe_base64_encode(force_bytes(user.pk))
                link = settings.BASE_URL + reverse(
                    "web:portal_link", kwargs={"uidb64": uid, "token": one_time_links.make_token(user)}
                )
                send_mail(
                    "Your honeydesk sign-in link",
                    f"Hello {user.first_name},\n\nSign in to see and answer your cases:\n{link}\n\n"
                    f"The link works once, for {LINK_MINUTES} minutes. If you did not ask for it, ignore this mail.",
                    settings.DEFAULT_FROM_EMAIL,
                    [address],
                )
            # Same answer whether or not the address is known: no address probing.
            sent = True
    return render(request, "portal/login.html", {"sent": sent, "error": error})


def portal_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))), role=Role.CUSTOMER)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not one_time_links.check_token(user, token):
        return render(
            request,
            "portal/login.html",
            {"error": "This sign-in link has expired or was used already. Ask for a new one below."},
            status=400,
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("web:portal")
