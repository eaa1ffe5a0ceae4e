"""POST /api/v1/inbound/email: raw message in, 202 after the commit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from honeydesk.accounts.models import Role
from honeydesk.channels.email.models import Message
from honeydesk.channels.email.tests.conftest import eml
from honeydesk.testing import make_staff

pytestmark = pytest.mark.django_db


def post(cast, user, raw: bytes, content_type: str = "message/rfc822"):
    headers = {"Authorization": f"Bearer {cast.token(user)}"} if user else {}
    return Client().post("/api/v1/inbound/email", raw, content_type=content_type, headers=headers)


def test_it_stores_a_posted_message_and_says_so_after_the_commit(cast):
    response = post(cast, cast.admin, eml("plain_qp.eml"))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "stored" and body["case"].startswith("HD-")
    assert Message.objects.get(message_id="qp-1@mail.example.test").source == "api"
    again = post(cast, cast.admin, eml("plain_qp.eml"))
    assert again.status_code == 202 and again.json() == {"status": "duplicate", "case": body["case"]}


def test_a_poison_message_is_accepted_into_the_quarantine(cast):
    response = post(cast, cast.admin, eml("poison_garbage.eml"))
    assert response.status_code == 202 and response.json() == {"status": "quarantined", "case": None}


def test_a_service_account_with_the_permission_may_post(cast):
    robot = make_staff("mailrobot", Role.AGENT)
    robot.user_permissions.add(Permission.objects.get(codename="post_inbound"))
    assert post(cast, robot, eml("plain_qp.eml")).status_code == 202


@pytest.mark.parametrize("who", ["alice", "billing_agent", "supervisor"])
def test_nobody_else_may_post(cast, who):
    response = post(cast, getattr(cast, who), eml("plain_qp.eml"))
    assert response.status_code == 404
    assert not Message.objects.filter(message_id="qp-1@mail.example.test").exists()


def test_it_requires_a_token(cast):
    assert post(cast, None, eml("plain_qp.eml")).status_code == 401


def test_it_wants_a_raw_message(cast):
    assert post(cast, cast.admin, b'{"a": 1}', "application/json").status_code == 422
    assert post(cast, cast.admin, b"  ").status_code == 422


def test_it_refuses_an_oversized_message(cast, settings):
    settings.HONEYDESK_EMAIL_MAX_BYTES = 100
    response = post(cast, cast.admin, eml("plain_qp.eml"))
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
