"""Who may see what of the quality loop, built on the one door (`cases.access`).

- Surveys: staff see the surveys of the cases they may see; a customer sees (and
  answers) the surveys of their own cases in the portal. A survey link opens only the
  survey it names (`links.open_link`).
- Recoveries: supervisors and admins only (the Recovery queue is theirs).
- Monitoring: samples and their items are the supervisors' (and admins'); a review is
  seen by supervisors and by the rep it reviews, nobody else (another rep, a customer:
  404). Scorecards are internal to staff.
Missing and forbidden are the same NotFound (404).
"""

from __future__ import annotations

from django.db.models import QuerySet

from honeydesk.accounts.models import User
from honeydesk.cases import access as case_access
from honeydesk.lib.errors import NotFound
from honeydesk.quality.models import Recovery, Review, Sample, SampleItem, Survey


def surveys_visible_to(user: User) -> QuerySet[Survey]:
    return Survey.objects.filter(case__in=case_access.cases_visible_to(user))


def staff_surveys_visible_to(user: User) -> QuerySet[Survey]:
    if not (user.is_authenticated and user.is_active and user.is_staff_member):
        return Survey.objects.none()
    return surveys_visible_to(user)


def survey_for(user: User, pk: int) -> Survey:
    survey = staff_surveys_visible_to(user).select_related("case", "owner", "contact").filter(pk=pk).first()
    if survey is None:
        raise NotFound("No such survey.")
    return survey


def recoveries_visible_to(user: User) -> QuerySet[Recovery]:
    if not (user.is_authenticated and user.is_active and user.sees_everything):
        return Recovery.objects.none()
    return Recovery.objects.all()


def recovery_for(user: User, pk: int) -> Recovery:
    recovery = (
        recoveries_visible_to(user)
        .select_related("survey", "case", "case__account", "case__contact", "case__owner", "department", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if recovery is None:
        raise NotFound("No such recovery.")
    return recovery


# --- monitoring -----------------------------------------------------------------------


def _supervises(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.sees_everything)


def samples_visible_to(user: User) -> QuerySet[Sample]:
    return Sample.objects.all() if _supervises(user) else Sample.objects.none()


def sample_for(user: User, pk: int) -> Sample:
    sample = samples_visible_to(user).select_related("rep").filter(pk=pk).first()
    if sample is None:
        raise NotFound("No such sample.")
    return sample


def sample_item_for(user: User, pk: int) -> SampleItem:
    """A sampled item, for the supervisor who reviews it."""
    item = (
        SampleItem.objects.filter(sample__in=samples_visible_to(user))
        .select_related("sample__rep", "entry__case", "entry__author")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise NotFound("No such item.")
    return item


def reviews_visible_to(user: User) -> QuerySet[Review]:
    """Supervisors see every review; a rep sees their own; anyone else none."""
    if _supervises(user):
        return Review.objects.all()
    try:
        case_access.require_staff(user)
    except NotFound:
        return Review.objects.none()
    return Review.objects.filter(rep=user)


def own_reviews(user: User) -> QuerySet[Review]:
    """The reviews of `user`'s own work ("My reviews"), for a supervisor too."""
    return reviews_visible_to(user).filter(rep_id=user.pk)


def review_for(user: User, pk: int) -> Review:
    review = (
        reviews_visible_to(user)
        .select_related("rep", "reviewer", "scorecard", "item__entry__case", "item__sample")
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise NotFound("No such review.")
    return review
