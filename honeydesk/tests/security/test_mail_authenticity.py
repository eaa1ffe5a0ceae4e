"""Inbound mail authenticity (issue 19, finding 6: "an inbound e-mail with a forged From:
joins that customer's case"): the receiving server's Authentication-Results decide; a
message that fails is held until a supervisor confirms or rejects it."""

from __future__ import annotations

import pytest

from honeydesk.accounts.models import AuditEvent
from honeydesk.cases.models import TimelineEntry
from honeydesk.channels.email.authenticity import FAIL, NONE, PASS, verdict
from honeydesk.channels.email.inbound import ingest
from honeydesk.channels.email.models import Message, Quarantine

OUR_SERVER = "mx.honeydesk.test"


def mail(case_ref: str, results: list[str], body: str = "Please refund me to this new card: 4111...") -> bytes:
    headers = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return (
        f"{headers}From: Alice Archer <alice@example.test>\r\nTo: billing@honeydesk.test\r\n"
        f"Subject: Re: [{case_ref}] Charged twice\r\nMessage-ID: <forged-{abs(hash(body))}@evil.example>\r\n"
        f"Date: Thu, 03 Dec 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


FORGED = f"{OUR_SERVER}; spf=fail smtp.mailfrom=evil.example; dkim=none; dmarc=fail header.from=example.test"
GENUINE = f"{OUR_SERVER}; spf=pass smtp.mailfrom=alice@example.test; dkim=pass header.d=example.test; dmarc=pass"


def entries_with(case, text: str) -> int:
    return TimelineEntry.objects.filter(case=case, body__contains=text).count()


def test_it_holds_a_forged_message_instead_of_putting_it_on_the_customers_case(cast):
    result = ingest(mail(cast.alice_case.ref, [FORGED]), "test")
    assert result.status == "quarantined"
    assert entries_with(cast.alice_case, "new card") == 0
    held = Quarantine.objects.get(pk=result.quarantine)
    assert held.kind == Quarantine.Kind.HELD and held.verdict["outcome"] == FAIL
    assert "DMARC failed" in held.reason
    # Delivered again (a re-poll): still one held row, still on no case.
    assert ingest(mail(cast.alice_case.ref, [FORGED]), "test").quarantine == held.pk


def test_it_lets_a_supervisor_confirm_a_held_message_onto_its_case(cast):
    held = Quarantine.objects.get(pk=ingest(mail(cast.alice_case.ref, [FORGED]), "test").quarantine)
    supervisor = cast.client(cast.supervisor)
    page = supervisor.get("/desk/held-mail/").content.decode()
    assert "alice@example.test" in page and "DMARC failed" in page and "new card" in page
    # Agents neither see nor decide.
    agent = cast.client(cast.billing_agent)
    assert agent.get("/desk/held-mail/").status_code == 404
    assert agent.post(f"/desk/held-mail/{held.pk}/release/").status_code == 404
    assert supervisor.post(f"/desk/held-mail/{held.pk}/release/").status_code == 302
    assert entries_with(cast.alice_case, "new card") == 1
    held.refresh_from_db()
    assert held.resolved and held.released and held.decided_by == cast.supervisor
    event = AuditEvent.objects.get(action=AuditEvent.Action.MAIL_RELEASED)
    assert event.actor == cast.supervisor and cast.alice_case.ref in event.target
    assert "Nothing is held" in supervisor.get("/desk/held-mail/").content.decode()


def test_it_lets_a_supervisor_reject_a_held_message(cast):
    held = Quarantine.objects.get(pk=ingest(mail(cast.alice_case.ref, [FORGED]), "test").quarantine)
    assert cast.client(cast.supervisor).post(f"/desk/held-mail/{held.pk}/reject/").status_code == 302
    held.refresh_from_db()
    assert held.resolved and not held.released
    assert entries_with(cast.alice_case, "new card") == 0
    assert not Message.objects.filter(direction=Message.Direction.IN).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MAIL_REJECTED, actor=cast.supervisor).exists()


def test_it_takes_a_message_that_passes_straight_onto_its_case(cast):
    result = ingest(mail(cast.alice_case.ref, [GENUINE]), "test")
    assert result.status == "stored" and result.case == cast.alice_case.ref
    assert entries_with(cast.alice_case, "new card") == 1


def test_it_holds_unverified_mail_only_when_configured_to(cast, settings):
    assert ingest(mail(cast.alice_case.ref, [], body="first"), "test").status == "stored"
    settings.HONEYDESK_EMAIL_HOLD_UNVERIFIED = True
    assert ingest(mail(cast.alice_case.ref, [], body="second"), "test").status == "quarantined"


def test_it_trusts_only_its_own_servers_results(cast, settings):
    settings.HONEYDESK_EMAIL_AUTHSERV_IDS = [OUR_SERVER]
    # A forger adds a "pass" of their own above; our server's header says fail.
    forged_pass = "mx.evil.example; spf=pass smtp.mailfrom=example.test; dmarc=pass header.from=example.test"
    result = ingest(mail(cast.alice_case.ref, [forged_pass, FORGED]), "test")
    assert result.status == "quarantined"


@pytest.mark.parametrize(
    ("results", "outcome"),
    [
        ([GENUINE], PASS),
        ([FORGED], FAIL),
        ([f"{OUR_SERVER}; dkim=pass header.d=example.test"], PASS),
        (
            [f"{OUR_SERVER}; dkim=pass header.d=mail.example.test"],
            NONE,
        ),  # a subdomain of it: only the From: domain or a parent counts
        ([f"{OUR_SERVER}; spf=pass smtp.mailfrom=bounce@example.test"], PASS),
        ([f"{OUR_SERVER}; spf=fail smtp.mailfrom=x@evil.example"], FAIL),
        ([f"{OUR_SERVER}; spf=softfail smtp.mailfrom=x@evil.example"], NONE),
        ([f"{OUR_SERVER}; none"], NONE),
        (["this is ; not = a header ;;"], NONE),
        ([], NONE),
    ],
)
def test_it_reads_the_verdict_from_authentication_results(results, outcome):
    assert verdict(results, "alice@example.test").outcome == outcome
