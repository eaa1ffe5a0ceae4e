"""The everyday desk tools in the API (issue 17): a case's priority, tags and custom
fields, the tag vocabulary admins keep tidy, and macros. Staff only: customers get 404 (tags
and fields are staff's record of a case). Thin: access -> action -> schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Field, Router, Schema

from honeydesk.accounts.models import User
from honeydesk.api import schemas as s
from honeydesk.api.cases import CASE_RELATED, required_version, staff_case
from honeydesk.api.serialize import case_dict
from honeydesk.cases import access, properties
from honeydesk.cases.models import Case, CaseField, Tag
from honeydesk.lib.apischema import In, StrictBool, StrictInt
from honeydesk.lib.errors import InvalidInput
from honeydesk.macros import actions as macro_actions
from honeydesk.macros.models import Macro

router = Router(tags=["desk"])

TagName = Annotated[str, Field(min_length=1, max_length=properties.TAG_CHARS)]
TagList = Annotated[list[TagName], Field(max_length=properties.MAX_TAGS_PER_CASE)]
FieldKey = Annotated[str, Field(min_length=1, max_length=40)]
FieldValue = StrictBool | StrictInt | float | Annotated[str, Field(max_length=properties.TEXT_FIELD_CHARS)] | None


class PriorityIn(s.VersionIn):
    priority: Literal["low", "normal", "high", "urgent"]


class TagsIn(s.VersionIn):
    add: TagList = Field([], description="Tags to add (lower case; spaces become hyphens).")
    remove: TagList = Field([], description="Tags to remove.")


class FieldsIn(s.VersionIn):
    values: dict[FieldKey, FieldValue] = Field(
        ..., max_length=50, description="Custom field values by key; null or an empty string clears one."
    )


class TagOut(Schema):
    name: str
    cases: int = Field(..., description="Cases with this tag that you can see.")


class TagRenameIn(In):
    name: TagName


class TagMergeIn(In):
    into: TagName = Field(..., description="The tag that stays; every case of this one gets it instead.")


class TagMerged(Schema):
    into: str
    cases: int


class CaseFieldOut(Schema):
    key: str
    label: str
    kind: str
    choices: list[str]
    request_types: list[str] = Field(..., description="Slugs; empty: every request type.")
    required_at_resolution: bool
    help_text: str


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _fresh(user: User, case: Case) -> dict[str, Any]:
    fresh = Case.objects.select_related(*CASE_RELATED).prefetch_related("tags").get(pk=case.pk)
    return case_dict(fresh, staff=user.is_staff_member)


@router.post(
    "/cases/{ref}/priority", response={200: s.CaseOut, **s.errors(*s.WRITE)}, summary="Change the priority (staff)"
)
def set_priority(request: HttpRequest, ref: str, payload: PriorityIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    case = properties.do_set_priority(
        case, payload.priority, acting_user=user, expected_version=required_version(payload), channel="api"
    )
    return _fresh(user, case)


@router.post(
    "/cases/{ref}/tags", response={200: s.CaseOut, **s.errors(*s.WRITE)}, summary="Add and remove tags (staff)"
)
def change_tags(request: HttpRequest, ref: str, payload: TagsIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    properties.do_change_tags(
        case,
        add=payload.add,
        remove=payload.remove,
        acting_user=user,
        expected_version=required_version(payload),
        channel="api",
    )
    return _fresh(user, case)


@router.post(
    "/cases/{ref}/fields",
    response={200: s.CaseOut, **s.errors(*s.WRITE)},
    summary="Set custom field values (staff)",
)
def set_fields(request: HttpRequest, ref: str, payload: FieldsIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    properties.do_set_fields(
        case, payload.values, acting_user=user, expected_version=required_version(payload), channel="api"
    )
    return _fresh(user, case)


@router.get("/case-fields", response={200: list[CaseFieldOut], **s.errors(*s.READ)}, summary="Custom case fields")
def case_fields(request: HttpRequest) -> list[dict[str, Any]]:
    access.require_staff(_user(request))
    fields = CaseField.objects.filter(active=True).prefetch_related("request_types")
    return [
        {
            "key": f.key,
            "label": f.label,
            "kind": f.kind,
            "choices": [str(c) for c in f.choices or []],
            "request_types": [t.slug for t in f.request_types.all()],
            "required_at_resolution": f.required_at_resolution,
            "help_text": f.help_text,
        }
        for f in fields
    ]


@router.get("/tags", response={200: list[TagOut], **s.errors(*s.READ)}, summary="Tags in use (staff)")
def tags(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    access.require_staff(user)
    visible = access.cases_visible_to(user).values("pk")
    found = Tag.objects.annotate(n=Count("case_tags", filter=Q(case_tags__case__in=visible))).order_by("name")
    return [{"name": t.name, "cases": t.n} for t in found]


@router.post(
    "/tags/{name}/rename", response={200: TagOut, **s.errors(*s.WRITE)}, summary="Rename a tag everywhere (admin)"
)
def rename_tag(request: HttpRequest, name: str, payload: TagRenameIn) -> dict[str, Any]:
    user = _user(request)
    properties.require_admin(user)
    tag = properties.do_rename_tag(properties.tag_for(user, name), payload.name, acting_user=user)
    return {"name": tag.name, "cases": tag.case_tags.count()}


@router.post(
    "/tags/{name}/merge", response={200: TagMerged, **s.errors(*s.WRITE)}, summary="Merge a tag into another (admin)"
)
def merge_tag(request: HttpRequest, name: str, payload: TagMergeIn) -> dict[str, Any]:
    user = _user(request)
    properties.require_admin(user)
    source = properties.tag_for(user, name)
    into = Tag.objects.filter(name=properties.tag_name(payload.into, "into")).first()
    if into is None:
        raise InvalidInput.field("into", f"No tag {payload.into!r}; rename this one instead.")
    moved = properties.do_merge_tags(source, into, acting_user=user)
    return {"into": into.name, "cases": moved}


# --- macros (honeydesk.macros) -----------------------------------------------------------


class MacroOut(Schema):
    id: int
    name: str
    scope: str
    department: str | None
    reply: str
    actions: list[str] = Field(..., description="What applying it does besides the reply text.")


class MacroApplied(Schema):
    case: s.CaseOut
    reply: str = Field(..., description="The reply text with placeholders filled in, for you to send (not sent).")


Id = Annotated[int, Field(ge=1, le=s.MAX_ID)]


def _does(m: Macro) -> list[str]:
    does = [f"priority {m.set_priority}"] if m.set_priority else []
    does += [f"add tag {t}" for t in m.add_tags] + [f"remove tag {t}" for t in m.remove_tags]
    if m.assign_to_self or m.assign_to_id:
        does.append("assign to the one applying it" if m.assign_to_self else f"assign to {m.assign_to}")
    if m.note:
        does.append("internal note")
    if m.set_status:
        does.append(f"status {m.set_status}")
    if m.transfer_to_id:
        does.append(f"transfer to {m.transfer_to}")
    return does


@router.get("/macros", response={200: list[MacroOut], **s.errors(*s.READ)}, summary="Macros you may use (staff)")
def macros(request: HttpRequest) -> list[dict[str, Any]]:
    found = macro_actions.macros_visible_to(_user(request)).select_related("department", "assign_to", "transfer_to")
    return [
        {
            "id": m.pk,
            "name": m.name,
            "scope": m.scope,
            "department": m.department.slug if m.department else None,
            "reply": m.reply,
            "actions": _does(m),
        }
        for m in found
    ]


@router.post(
    "/cases/{ref}/macros/{macro_id}/apply",
    response={200: MacroApplied, **s.errors(*s.WRITE)},
    summary="Apply a macro: all its actions or none (staff)",
)
def apply_macro(request: HttpRequest, ref: str, macro_id: Id, payload: s.VersionIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    macro = macro_actions.macro_for(user, macro_id)
    case, reply = macro_actions.do_apply_macro(
        case, macro, acting_user=user, expected_version=required_version(payload)
    )
    fresh = access.cases_visible_to(user).select_related(*CASE_RELATED).prefetch_related("tags").filter(pk=case.pk)
    shown = fresh.first() or Case.objects.select_related(*CASE_RELATED).prefetch_related("tags").get(pk=case.pk)
    return {"case": case_dict(shown, staff=True), "reply": reply}
