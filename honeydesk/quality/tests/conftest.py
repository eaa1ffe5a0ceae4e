from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine

from honeydesk.cases import actions
from honeydesk.cases.models import Case
from honeydesk.channels.email.models import Message


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def frozen(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(utc(2025, 3, 14, 15, 0), tick=False) as traveller:  # a Friday
        yield traveller


def resolve(cast, case: Case | None = None, user=None) -> Case:
    case = cast.fresh(case or cast.alice_case)
    return actions.do_resolve(case, note="Refunded the second charge.", acting_user=user or cast.billing_agent)


def survey_mails(case: Case) -> list[Message]:
    return list(Message.objects.filter(case=case, data__template="survey").order_by("id"))


def token_of(message: Message) -> str:
    return str(message.data["context"]["token"])


def link_in(body: str) -> str:
    match = re.search(r"/survey/([^/\s]+)/", body)
    assert match, body
    return match.group(1)
