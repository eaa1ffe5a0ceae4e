"""The hostile suite, part 4: cross-site scripting (issue 19).

A corpus of payloads goes in through every way text gets in (the API, the portal's forms,
the workspace's forms, inbound e-mail headers, text, HTML and attachment names, call
events, the answer library, account and contact names, credit reasons, incidents, call-back
subjects, macros, custom field values). Chromium then renders every page
that shows that text. Each payload calls `__hdxss(n)` if it ever runs; a detector exposed
to every frame records those calls, and a scan of every frame's DOM reports any handler,
script, srcdoc or javascript: address that carries a payload. The pages are checked with
the Content-Security-Policy switched off (report-only), so that escaping alone is what is
tested; the CSP is a second wall, checked by the controls.

Positive controls: a page planted for this test that writes a payload unescaped fires the
detector (so a silent detector means something), and the same page under the real CSP
does not (so the CSP would stop what escaping missed).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail as _mail  # noqa: F401 - the outbox is used by the portal
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from playwright.sync_api import BrowserContext

from honeydesk.cases.models import Case, CaseField, TimelineEntry
from honeydesk.channels.email.inbound import ingest
from honeydesk.credits.models import CreditRequest
from honeydesk.lib import clock
from honeydesk.macros.actions import Draft, do_save_macro
from honeydesk.macros.models import Macro
from honeydesk.testing import Cast

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>__hdxss({n})</script>",
    "<img src=x onerror=__hdxss({n})>",
    "<svg onload=__hdxss({n})>",
    '"><script>__hdxss({n})</script>',
    "'><img src=x onerror=__hdxss({n})>",
    '<iframe srcdoc="<script>parent.__hdxss({n})</script>"></iframe>',
    '<a href="javascript:__hdxss({n})">x</a>',
    "<body onload=__hdxss({n})>",
    "<details open ontoggle=__hdxss({n})>",
    "<input autofocus onfocus=__hdxss({n})>",
    "<video><source onerror=__hdxss({n})></video>",
    "<audio src=x onerror=__hdxss({n})>",
    '<object data="javascript:__hdxss({n})"></object>',
    '<embed src="javascript:__hdxss({n})">',
    "<math><mtext><table><mglyph><style><img src=x onerror=__hdxss({n})>",
    '<noscript><p title="</noscript><img src=x onerror=__hdxss({n})>">',
    "{{{{ 7*7 }}}}<img src=x onerror=__hdxss({n})>",
    "<scr<script>ipt>__hdxss({n})</scr</script>ipt>",
    "<IMG SRC=x OnErRoR=__hdxss({n})>",
    "<img src=x onerror=&#95;&#95;hdxss({n})>",
    "<svg><script>__hdxss({n})</script></svg>",
    "<svg><animate onbegin=__hdxss({n}) attributeName=x dur=1s>",
    "<form><button formaction=javascript:__hdxss({n})>x</button></form>",
    '<div style="background:url(javascript:__hdxss({n}))">x</div>',
    "</textarea><script>__hdxss({n})</script>",
    "</title><script>__hdxss({n})</script>",
    '<!--<img src="--><img src=x onerror=__hdxss({n})//">',
    '<base href="javascript:__hdxss({n})//">',
    '<meta http-equiv="refresh" content="0;url=javascript:__hdxss({n})">',
    "<select autofocus onfocus=__hdxss({n})></select>",
    "<textarea autofocus onfocus=__hdxss({n})></textarea>",
    "<img src=x onerror=eval('__hdxss('+{n}+')')>",
    '" onmouseover="__hdxss({n})" x="',
    "' onfocus='__hdxss({n})' autofocus='",
    "<x contenteditable onfocus=__hdxss({n}) autofocus>x</x>",
    '<svg><a href="javascript:__hdxss({n})"><text x=20 y=20>x</text></a></svg>',
    '<script src="data:text/javascript,__hdxss({n})"></script>',
    "javascript:__hdxss({n})",
    "<img src=x onerror=\"window['__hd'+'xss']({n})\">",
    '<link rel=stylesheet href="javascript:__hdxss({n})">',
    '<table background="javascript:__hdxss({n})"></table>',
    "<svg/onload=__hdxss({n})>",
    "<img src=`x` onerror=__hdxss({n})>",
    "\u003cimg src=x onerror=__hdxss({n})\u003e",
]
assert len(PAYLOADS) >= 40


def payload(way: int, i: int) -> str:
    """Payload i for the way in number `way`: its marker says which way let it through."""
    return PAYLOADS[i].format(n=way * 100 + i)


def all_payloads(way: int, limit: int = 50_000) -> str:
    """Every payload of the corpus, as much as fits in `limit` characters."""
    text = "\n".join(payload(way, i) for i in range(len(PAYLOADS)))
    return text[:limit]


# --- the planted positive control -------------------------------------------------------


def planted(request: HttpRequest) -> HttpResponse:
    """Writes a payload unescaped: what an escaping bug would look like."""
    return HttpResponse(f"<!doctype html><title>planted</title><p>{payload(99, 1)}</p>")


urlpatterns = [path("__planted__/", planted), path("", include("config.urls"))]


# --- putting the corpus in ----------------------------------------------------------------


def feed(cast: Cast) -> dict[str, Any]:
    """Every way text gets in, each with its own marker range (way x 100 + payload)."""
    staff = cast.api(cast.supervisor)
    alice = cast.client(cast.alice)
    cases: list[str] = []
    # 1-3: the API, opening cases (subject, body, goal) and on them replies and notes.
    for i in range(len(PAYLOADS)):
        made = staff.post(
            "/cases",
            {
                "account_number": "1000001",
                "request_type": "repair",
                "subject": payload(1, i)[:200],
                "body": payload(2, i),
                "goal": payload(3, i)[:2000],
            },
        )
        assert made.status_code == 201, made.content
        cases.append(made.json()["ref"])
    ref = cases[0]
    version = lambda r: Case.objects.get(pk=int(r[3:])).version  # noqa: E731
    assert staff.post(f"/cases/{ref}/replies", {"body": all_payloads(4), "version": version(ref)}).status_code == 201
    assert staff.post(f"/cases/{ref}/notes", {"body": all_payloads(5)}).status_code == 201
    assert staff.post(f"/cases/{ref}/calls", {"body": all_payloads(6)}).status_code == 201
    # 7-9: the portal: a reply and a request for a supervisor from the customer.
    target = cast.alice_case.ref
    alice.post(f"/portal/cases/{target}/reply/", {"body": all_payloads(7), "version": version(target)})
    alice.post(f"/portal/cases/{target}/supervisor/", {"reason": all_payloads(8), "version": version(target)})
    alice.post(
        "/portal/new/",
        {"type": "repair", "subject": payload(9, 1), "body": all_payloads(9), "goal": payload(9, 2)},
    )
    # 10-14: inbound e-mail: subject, sender's name, text, HTML, attachment name.
    for i in range(0, len(PAYLOADS), 4):
        ingest(_mail_with(i), "test")
    # 15: call events: the queue (line) name and the caller's number.
    for i in range(0, len(PAYLOADS), 6):
        answered = cast.api(cast.billing_agent).post(
            "/calls",
            {
                "call_id": f"xss-{i}",
                "event": "ended",
                "talk_seconds": 60,
                "agent": "bianca",
                "caller": "+14155550199",
                "queue": payload(15, i)[:80],
            },
        )
        assert answered.status_code == 201, answered.content
    # 16: the answer library.
    writer = cast.client(cast.supervisor)
    for i in range(0, len(PAYLOADS), 5):
        writer.post("/desk/kb/new/", {"title": payload(16, i)[:200], "body": all_payloads(16), "public": "on"})
    # 17-19: workspace forms: escalation reason, transfer hand-off, resolution note.
    desk = cast.client(cast.supervisor)
    second = cases[1]
    escalated = desk.post(
        f"/desk/cases/{second}/do/escalate/", {"reason": all_payloads(17, 2000), "version": version(second)}
    )
    assert escalated.status_code == 302, escalated.content[:500]
    desk.post(f"/desk/cases/{second}/do/resolve/", {"note": all_payloads(19), "version": version(second)})
    third = cases[2]
    desk.post(
        f"/desk/cases/{third}/do/transfer/",
        {"department": cast.billing.pk, "summary": all_payloads(18), "version": version(third)},
    )
    # 20: account and contact names.
    staff.post(
        "/accounts",
        {"number": "XSS-1", "name": payload(20, 1), "contacts": [{"name": payload(20, 2), "emails": ["x@xss.test"]}]},
    )
    # 21-25: text of the features added since: a customer's credit request reason (portal),
    # an incident's title and summary, a call-back's subject, a macro's name and reply, a
    # custom field's text value.
    alice.post(
        f"/portal/cases/{target}/credits/",
        {"amount": "40.00", "reason": all_payloads(21, 2000), "period_start": "2026-03-02", "period_end": "2026-03-04"},
    )
    incident = staff.post(
        "/incidents",
        {"service": "Internet", "area": "North", "title": payload(22, 1)[:200], "summary": all_payloads(22, 2000)},
    )
    assert incident.status_code == 201, incident.content
    due = (clock.now() + timedelta(days=2)).isoformat()
    promised = staff.post(f"/cases/{target}/callbacks", {"due_at": due, "about": all_payloads(23, 500)})
    assert promised.status_code == 201, promised.content
    do_save_macro(
        Draft(name=payload(24, 1)[:100], scope="shared", reply=all_payloads(24, 5000)), acting_user=cast.supervisor
    )
    CaseField.objects.create(key="cause", label="Cause", kind="text")
    fields = staff.post(f"/cases/{ref}/fields", {"values": {"cause": payload(25, 1)[:200]}, "version": version(ref)})
    assert fields.status_code == 200, fields.content
    return {"cases": cases, "incident": incident.json()["id"]}


def _mail_with(i: int) -> bytes:
    attachment = base64.b64encode(b"%PDF-1.4 test").decode()
    name = payload(11, i).replace('"', "'")
    return (
        f'From: "{name}" <xss{i}@example.test>\r\nTo: repair@honeydesk.test\r\n'
        f"Subject: {payload(10, i)}\r\nMessage-ID: <xss-{i}@example.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        f"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{all_payloads(12)}\r\n"
        f"--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello</p>{all_payloads(13)}\r\n"
        f'--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="{payload(14, i)}.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b1--\r\n"
    ).encode()


# --- the detector -------------------------------------------------------------------------

SCAN = """() => {
  const found = [];
  const look = (doc) => {
    for (const el of doc.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        const name = attr.name.toLowerCase(), value = attr.value;
        if (!value.includes('hdxss')) continue;
        const urlish = ['href', 'src', 'action', 'formaction', 'data', 'background', 'xlink:href'].includes(name);
        if (name.startsWith('on') || name === 'srcdoc' || (urlish && /^\\s*javascript:/i.test(value))) {
          found.push(el.tagName + ' ' + name + '=' + value.slice(0, 80));
        }
      }
      if (el.tagName === 'SCRIPT' && el.textContent.includes('hdxss')) {
        found.push('SCRIPT ' + el.textContent.slice(0, 80));
      }
    }
  };
  look(document);
  return found;
}"""


class Detector:
    def __init__(self, context: BrowserContext) -> None:
        self.calls: list[str] = []
        self.dialogs: list[str] = []
        context.expose_function("__hdxss", lambda n: self.calls.append(str(n)))
        context.on("page", lambda page: page.on("dialog", self._dialog))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def visit(self, page: Any, url: str) -> list[str]:
        page.goto(url)
        page.wait_for_load_state("load")
        # Open every <details> (masked text, full text, formatted mail) so its content
        # renders and autofocus/ontoggle payloads get their chance.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        page.wait_for_timeout(150)
        found: list[str] = []
        for frame in page.frames:
            try:
                found += frame.evaluate(SCAN)
            except Exception:  # a sandboxed frame without scripts cannot be scanned from inside
                continue
        return found


@pytest.fixture
def csp_off(settings: Any) -> None:
    """Escaping is what is tested: the policy only reports (the controls check it)."""
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/"]}


def _signed_in(new_context: Callable[..., BrowserContext], live_server: Any, cast: Cast, username: str) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(next(u for u in cast.everyone if u.username == username))
    context = new_context()
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


def test_no_payload_runs_on_any_page_that_shows_it(live_cast, live_server, new_context, csp_off):
    data = feed(live_cast)
    cases = data["cases"]
    html_entry = TimelineEntry.objects.filter(data__has_key="html").first()
    assert html_entry is not None, "the e-mails' HTML was kept"
    staff_pages = [
        "/desk/?queue=department",
        "/desk/?queue=escalated",
        "/desk/?queue=unassigned",
        f"/desk/cases/{cases[0]}/",
        f"/desk/cases/{cases[1]}/",
        f"/desk/cases/{cases[2]}/",
        f"/desk/cases/{live_cast.alice_case.ref}/",
        f"/desk/cases/{html_entry.case.ref}/",
        f"/desk/cases/{html_entry.case.ref}/entries/{html_entry.pk}/html/",
        "/desk/search/?q=hdxss",
        "/desk/search/?q=%3Cscript%3E",
        "/desk/kb/",
        "/desk/held-mail/",
        "/desk/?queue=department&page=2",
        # Pages of the features added since (credits, incidents, call-backs, macros,
        # notifications, quality, metrics).
        "/desk/callbacks/?tab=department",
        "/desk/credits/approvals/",
        "/desk/incidents/",
        f"/desk/incidents/{data['incident']}/",
        "/desk/macros/",
        f"/desk/cases/{live_cast.alice_case.ref}/macros/?q=hdxss",
        "/desk/notifications/",
        "/desk/recovery/",
        "/desk/reply-scores/",
        "/desk/monitoring/",
        "/desk/reviews/",
        "/desk/metrics/",
        "/desk/metrics/mine/",
        "/desk/?queue=department&field=cause&value=",
        *(f"/desk/cases/{c.ref}/" for c in Case.objects.filter(channel__in=["phone", "email"]).order_by("id")[:4]),
    ]
    customer_pages = [
        "/portal/",
        f"/portal/cases/{live_cast.alice_case.ref}/",
        f"/portal/cases/{cases[0]}/",
        f"/portal/cases/{cases[0]}/record/",
        "/portal/new/?describe=%3Cimg%20src%3Dx%20onerror%3D__hdxss(2101)%3E",
        "/portal/search/?q=hdxss",
        "/portal/search/?q=%3Cimg%20src%3Dx%20onerror%3D__hdxss(2601)%3E",
    ]
    # The text of the ways in added later reaches these pages (so they are real checks).
    shows = {
        "/desk/callbacks/?tab=department": "hdxss(23",
        "/desk/incidents/": "hdxss(22",
        f"/desk/incidents/{data['incident']}/": "hdxss(22",
        "/desk/macros/": "hdxss(24",
        f"/desk/cases/{cases[0]}/": "hdxss(25",
        f"/desk/cases/{live_cast.alice_case.ref}/": "hdxss(21",
        f"/portal/cases/{live_cast.alice_case.ref}/": "hdxss(21",
    }
    findings: dict[str, list[str]] = {}
    for username, pages in (("sam", staff_pages), ("alice", customer_pages)):
        context = _signed_in(new_context, live_server, live_cast, username)
        detector = Detector(context)
        page = context.new_page()
        for url in pages:
            found = detector.visit(page, live_server.url + url)
            if found:
                findings[url] = found
            if url in shows:
                assert shows[url] in page.content(), f"{url} does not show the text fed to it"
        assert detector.calls == [], f"payloads ran as {username}: {sorted(set(detector.calls))}"
        assert detector.dialogs == [], detector.dialogs
        context.close()
    assert findings == {}, findings
    # The corpus did reach the pages (as text).
    assert Case.objects.filter(subject__contains="hdxss").count() >= len(PAYLOADS) - 1
    assert TimelineEntry.objects.filter(channel="phone", body__contains="hdxss(15").exists()
    assert TimelineEntry.objects.filter(event="escalated", body__contains="hdxss(17").exists()
    assert CreditRequest.objects.filter(reason__contains="hdxss(21").exists()
    assert Macro.objects.filter(name__contains="hdxss(24").exists()


def test_the_detector_fires_on_a_planted_unescaped_payload(live_server, new_context, settings, csp_off):
    settings.ROOT_URLCONF = __name__
    context = new_context()
    detector = Detector(context)
    found = detector.visit(context.new_page(), f"{live_server.url}/__planted__/")
    assert detector.calls == ["9901"], detector.calls
    assert found, "the DOM scan sees the planted handler too"


def test_the_content_security_policy_stops_a_planted_payload(live_server, new_context, settings):
    settings.ROOT_URLCONF = __name__
    context = new_context()
    detector = Detector(context)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    detector.visit(page, f"{live_server.url}/__planted__/")
    assert detector.calls == [], "the CSP let an inline handler run"
    assert violations, "Chromium reported the blocked handler"


def test_the_pages_need_nothing_their_policy_forbids(live_cast, live_server, new_context):
    """Under the real Content-Security-Policy the pages (htmx, the keyboard shortcuts, the
    API docs, the record) work without a single violation: nothing is inline, nothing
    comes from elsewhere."""
    violations: list[str] = []
    for username, urls in (
        ("sam", ["/desk/", f"/desk/cases/{live_cast.alice_case.ref}/", "/desk/kb/", "/api/v1/docs"]),
        ("alice", ["/portal/", f"/portal/cases/{live_cast.alice_case.ref}/", "/portal/new/?type=repair"]),
        ("alice", [f"/portal/cases/{live_cast.alice_case.ref}/record/", "/account/second-factor/"]),
    ):
        context = _signed_in(new_context, live_server, live_cast, username)
        page = context.new_page()
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
        context.close()
    # The workspace's htmx still works under the policy: the coach answers as a rep types.
    context = _signed_in(new_context, live_server, live_cast, "sam")
    page = context.new_page()
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/desk/cases/{live_cast.alice_case.ref}/")
    page.locator("#composer-body").fill("I am sorry, Alice. I will refund the charge by Friday.")
    page.locator("#coach").get_by_text("Empathy or apology").wait_for()
    assert violations == [], violations
