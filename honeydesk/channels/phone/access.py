"""The phone channel's door: who may post call events and see call-backs.

Built on honeydesk.cases.access: anyone who is not an active member of staff gets
NotFound (404), exactly as for every other staff-only thing.
"""

from __future__ import annotations

from django.db.models import QuerySet

from honeydesk.accounts.models import Role, User
from honeydesk.cases import access
from honeydesk.channels.phone.models import CallbackTask
from honeydesk.lib.errors import NotFound


def check_may_post_calls(user: User) -> None:
    """Call events come from staff, or from the telephony system's own service user.

    There is no separate service role: the CTI integration signs in with a token of a
    dedicated staff account (for example an agent called `cti` with no departments), so
    it passes the same staff door as everything else staff-only.
    """
    access.require_staff(user)


def callbacks_visible_to(user: User) -> QuerySet[CallbackTask]:
    """Agents see their departments' call-backs; supervisors and admins see all."""
    access.require_staff(user)
    tasks = CallbackTask.objects.all()
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return tasks
    return tasks.filter(department__in=user.departments.values("id"))


def callback_for(user: User, task_id: int) -> CallbackTask:
    task = (
        callbacks_visible_to(user)
        .select_related("department", "case", "contact", "owner", "done_by", "promised_by")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound("No such call-back.")
    return task
