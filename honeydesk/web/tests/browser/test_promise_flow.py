"""A call-back is a promise: a rep promises one from the composer, finds it in the
Call-backs queue, logs the call, and the promise shows as kept."""

import re

import pytest
from playwright.sync_api import expect

from honeydesk.channels.phone.models import CallbackTask

pytestmark = pytest.mark.browser


def test_a_rep_promises_a_call_back_sees_it_queued_logs_the_call_and_it_is_kept(live_cast, live_server, sign_in):
    base, ref = live_server.url, live_cast.alice_case.ref
    bianca = sign_in("bianca")
    bianca.goto(f"{base}/desk/cases/{ref}/")

    # The composer's "Call back": the time picker comes filled in; the number is the customer's.
    bianca.get_by_text("Call back", exact=True).click()
    picker = bianca.get_by_label(re.compile(r"^Call by"))
    expect(picker).to_have_value(re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d$"))
    expect(bianca.get_by_label("Number", exact=True)).to_have_value("+14155550101")
    bianca.get_by_label("About (optional)").fill("The refund date")
    bianca.get_by_role("button", name="Promise the call-back").click()
    on_case = bianca.get_by_role("region", name="Call-backs")
    expect(on_case).to_contain_text("Open")
    expect(on_case).to_contain_text("The refund date")

    # The Call-backs queue lists it under Mine, with the count.
    bianca.get_by_role("navigation", name="Workspace").get_by_role("link", name="Call-backs").click()
    expect(bianca.get_by_role("link", name=re.compile(r"^Mine"))).to_contain_text("1")
    task = CallbackTask.objects.get()
    row = bianca.locator(f"#callback-{task.pk}")
    expect(row).to_contain_text("+14155550101")
    expect(row).to_contain_text(ref)

    # Back on the case, the rep logs the call: the promise is kept.
    row.get_by_role("link", name=ref).click()
    bianca.get_by_label("Log a call").check()
    bianca.get_by_label("Message").fill("Called Alice back: the refund lands on Friday.")
    bianca.get_by_label("Direction").select_option("outbound")
    bianca.get_by_role("button", name="Log call").click()
    expect(bianca.get_by_role("region", name="Call-backs")).to_contain_text("Kept")
    task.refresh_from_db()
    assert task.promise_state == "kept" and task.outcome == "called"

    bianca.goto(f"{base}/desk/callbacks/?tab=settled")
    expect(bianca.locator(f"#callback-{task.pk}")).to_contain_text("Kept")
