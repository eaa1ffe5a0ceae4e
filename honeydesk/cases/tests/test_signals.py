"""`case_opened`: the case layer tells the apps above it about every new case, from any
way in, without importing them."""

from honeydesk.cases import actions
from honeydesk.cases.signals import case_opened


def test_it_sends_case_opened_once_for_every_new_case_with_its_first_message(cast):
    seen = []

    def receiver(sender, case, message, **kwargs):
        seen.append((case.pk, message.kind, message.body))

    case_opened.connect(receiver, dispatch_uid="test-case-opened")
    try:
        opened = actions.do_open_case(
            actions.Opening(account=cast.bob_account, request_type=cast.repair_type, subject="Slow line",
                            body="Slow since Monday", channel="portal"),
            acting_user=cast.bob,
        )  # fmt: skip
        mailed = actions.do_receive_message(
            actions.Inbound(subject="Bill", body="Wrong bill", channel="email", contact=cast.alice_contact),
            case=None,
            request_type=cast.billing_type,
        )
        actions.do_add_reply(opened, body="Any news?", acting_user=cast.bob)  # not a new case
    finally:
        case_opened.disconnect(dispatch_uid="test-case-opened")
    assert seen == [(opened.pk, "inbound", "Slow since Monday"), (mailed.case_id, "inbound", "Wrong bill")]
