"""Every sent reply is scored by the listening coach, once, and shown per rep (automatic)."""

from __future__ import annotations

from datetime import timedelta

from honeydesk.cases import actions
from honeydesk.quality import scoring
from honeydesk.quality.models import ReplyScore
from honeydesk.quality.scoring import score_reply


def test_it_scores_each_sent_reply_once_with_the_two_new_checks(cast, frozen):
    good = actions.do_add_reply(
        cast.alice_case,
        body="Hi Alice, I'm sorry you were charged twice for March. I've refunded the second $89.99 "
        "and I'll confirm by 3pm tomorrow once it shows on your account.",
        acting_user=cast.billing_agent,
    )
    refusal = actions.do_add_reply(cast.alice_case, body="We cannot refund the fee.", acting_user=cast.billing_agent)
    assert scoring.unscored() == [good.pk, refusal.pk]
    assert scoring.scan() == 2 and scoring.scan() == 0, "a second scan scores nothing again"
    first = ReplyScore.objects.get(entry=good)
    assert score_reply(good.pk) == first and ReplyScore.objects.filter(entry=good).count() == 1
    assert first.greeting is True and first.rep == cast.billing_agent
    assert first.offers_alternatives is None, "nothing refused: the check does not apply"
    bare = score_reply(refusal.pk)
    assert bare.greeting is False and bare.offers_alternatives is False
    note = actions.do_add_note(cast.alice_case, body="internal", acting_user=cast.billing_agent)
    assert score_reply(note.pk) is None


def test_it_leaves_replies_older_than_any_view_of_the_scores_unscored(cast, frozen):
    from honeydesk.lib import clock

    with clock.at(clock.now() - scoring.WINDOW - timedelta(days=1)):
        old = actions.do_add_reply(cast.alice_case, body="Hi Alice, done.", acting_user=cast.billing_agent)
    recent = actions.do_add_reply(cast.alice_case, body="Hi Alice, all set.", acting_user=cast.billing_agent)
    assert scoring.unscored() == [recent.pk]
    assert scoring.scan() == 1 and not ReplyScore.objects.filter(entry=old).exists()


def test_it_shows_reps_their_own_share_and_supervisors_everyones(cast, frozen):
    for user, case in ((cast.billing_agent, cast.alice_case), (cast.repair_agent, cast.bob_case)):
        entry = actions.do_add_reply(case, body="Hello, I'll call you by 5pm today.", acting_user=user)
        score_reply(entry.pk)
    own = cast.client(cast.billing_agent).get("/desk/reply-scores/")
    assert own.status_code == 200 and b"Automatic" in own.content
    assert f'id="rep-{cast.billing_agent.pk}"'.encode() in own.content
    assert f'id="rep-{cast.repair_agent.pk}"'.encode() not in own.content
    everyone = cast.client(cast.supervisor).get("/desk/reply-scores/")
    assert f'id="rep-{cast.repair_agent.pk}"'.encode() in everyone.content
    assert cast.client(cast.alice).get("/desk/reply-scores/").status_code in (302, 404)
