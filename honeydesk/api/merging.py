"""Merge, un-merge and split in the API (issue 17, part 3). Staff only: customers get
404. Both cases of a merge (and of its undoing) come through the access door, so a case
this person cannot see is a 404 whichever side it is on. Thin: access -> action -> schema."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja import Status as Reply

from honeydesk.accounts.models import User
from honeydesk.api import schemas as s
from honeydesk.api.cases import CASE_RELATED, required_version, staff_case
from honeydesk.api.serialize import case_dict
from honeydesk.cases import access, merging, queries
from honeydesk.cases.models import Case
from honeydesk.lib.apischema import StrictBool
from honeydesk.lib.errors import InvalidInput, NotFound

router = Router(tags=["desk"])

Ref = Annotated[str, Field(min_length=1, max_length=20)]
Id = Annotated[int, Field(ge=1, le=s.MAX_ID)]


class MergeIn(s.VersionIn):
    into: Ref = Field(..., description="The case that stays (its reference, e.g. HD-000123).")
    confirm_different_accounts: StrictBool = Field(
        False, description="Required (true) when the two cases belong to different customer accounts."
    )


class MergeOut(Schema):
    merged: s.CaseOut = Field(..., description="The duplicate, now closed, with `merged_into` set.")
    into: s.CaseOut = Field(..., description="The case that stays; its timeline shows both cases' entries.")


class UnmergeIn(s.VersionIn):
    reason: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        ..., description="Why the two cases are separate requests after all (internal, on both cases)."
    )


class UnmergeOut(Schema):
    unmerged: s.CaseOut = Field(..., description="The case that was merged, reopened, `merged_into` cleared.")
    survivor: s.CaseOut = Field(..., description="The case it had been merged into; it keeps its own entries.")


class SplitIn(s.VersionIn):
    request_type: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        None, description="Slug of the new case's request type; the case's own when left out."
    )
    subject: Annotated[str, Field(max_length=200)] = Field(
        "", description="The new case's subject; default: the case's."
    )


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _shown(case: Case) -> dict[str, Any]:
    fresh = Case.objects.select_related(*CASE_RELATED).prefetch_related("tags").get(pk=case.pk)
    return case_dict(fresh, staff=True)


@router.post(
    "/cases/{ref}/merge",
    response={200: MergeOut, **s.errors(*s.WRITE)},
    summary="Merge this case (a duplicate) into another (staff)",
)
def merge(request: HttpRequest, ref: str, payload: MergeIn) -> dict[str, Any]:
    user, source = staff_case(request, ref)
    survivor = access.case_for(user, payload.into)
    merging.do_merge_cases(
        source,
        survivor,
        acting_user=user,
        confirm_different_accounts=payload.confirm_different_accounts,
        expected_version=required_version(payload),
        channel="api",
    )
    return {"merged": _shown(source), "into": _shown(survivor)}


@router.post(
    "/cases/{ref}/unmerge",
    response={200: UnmergeOut, **s.errors(*s.WRITE)},
    summary="Undo the merge of this case (the one that was merged) (staff)",
)
def unmerge(request: HttpRequest, ref: str, payload: UnmergeIn) -> dict[str, Any]:
    user, source = staff_case(request, ref)
    if source.merged_into_id is not None:
        # Whoever may merge may undo it: the case it went into must be theirs to see too.
        access.case_for(user, source.merged_into_id)
    survivor = merging.do_unmerge_case(
        source, acting_user=user, reason=payload.reason, expected_version=required_version(payload), channel="api"
    )
    return {"unmerged": _shown(source), "survivor": _shown(survivor)}


@router.post(
    "/cases/{ref}/entries/{entry_id}/split",
    response={201: s.CaseOut, **s.errors(*s.WRITE)},
    summary="Split a customer's message, a call log or a note out into a new linked case (staff)",
)
def split(request: HttpRequest, ref: str, entry_id: Id, payload: SplitIn) -> Reply[dict[str, Any]]:
    user, case = staff_case(request, ref)
    entry = access.entries_visible_to(user, case).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("No such entry on this case.")
    request_type = None
    if payload.request_type is not None:
        request_type = queries.request_type_by_slug(payload.request_type)
        if request_type is None:
            raise InvalidInput.field("request_type", f"Unknown request type {payload.request_type!r}.")
    new_case = merging.do_split_entry(
        case,
        entry,
        acting_user=user,
        request_type=request_type,
        subject=payload.subject,
        expected_version=required_version(payload),
        channel="api",
    )
    # An agent may split a message off into another department's queue: they still get
    # what they created, as when opening a case.
    return Reply(201, _shown(new_case))
