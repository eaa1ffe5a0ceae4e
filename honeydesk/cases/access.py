"""The one door to every object, for pages and API alike.

Every fetch of a case, timeline or account by a person goes through here. A thing that
does not exist and a thing this person may not see give the same answer (NotFound ->
404), so guessing references reveals nothing. Querysets are filtered *before* loading;
nothing is loaded first and checked afterwards.

Who may act: seeing a case is what lets a person act on it (customers write on their
own cases and ask for a supervisor; staff work what they can see); what each action
allows beyond that (only supervisors take escalations, only staff write notes) is
checked by the action or by `require_staff`. Channels build their own doors on this
one (honeydesk.channels.phone.access for call-backs).
"""

from __future__ import annotations

from django.db.models import QuerySet

from honeydesk.accounts.models import Contact, CustomerAccount, Role, User
from honeydesk.cases.models import Case, TimelineEntry, parse_ref
from honeydesk.lib.errors import NotFound


def cases_visible_to(user: User) -> QuerySet[Case]:
    cases = Case.objects.all()
    if not user.is_authenticated or not user.is_active:
        return cases.none()
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return cases
    if user.role == Role.AGENT:
        return cases.filter(department_id__in=department_ids(user))
    if user.role == Role.CUSTOMER:
        return cases.filter(account_id__in=customer_account_ids(user))
    return cases.none()


def can_see(user: User, case: Case) -> bool:
    """The rule of `cases_visible_to`, applied to a case in hand: one being changed in
    the current transaction (a transfer moves it before the change is saved), so who is
    told about it is decided on the case as it will be."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    if user.role == Role.AGENT:
        return case.department_id in department_ids(user)
    if user.role == Role.CUSTOMER:
        return case.account_id in customer_account_ids(user)
    return False


def customer_account_ids(user: User) -> list[int]:
    """The accounts a customer is a contact on, read once per request. A literal list,
    not a subquery: most contacts have no login, so SQLite's statistics make
    `user_id = ?` look unselective and it planned the subquery as a scan of every
    account (portal home 184 ms p95 at 100,000 cases, bench/run.py)."""
    cached: list[int] | None = getattr(user, "_account_ids", None)
    if cached is None:
        cached = sorted(set(Contact.objects.filter(user=user).values_list("account_id", flat=True)))
        user._account_ids = cached  # type: ignore[attr-defined]
    return cached


def department_ids(user: User) -> list[int]:
    """The user's departments, read once per request: a literal list lets the database
    use the queue indexes directly instead of planning around a subquery."""
    cached: list[int] | None = getattr(user, "_department_ids", None)
    if cached is None:
        cached = list(user.departments.values_list("id", flat=True))
        user._department_ids = cached  # type: ignore[attr-defined]
    return cached


def case_for(user: User, ref: str | int) -> Case:
    """The case with this reference if `user` may see it; NotFound otherwise."""
    number = parse_ref(ref)
    if number is None:
        raise NotFound("No such case.")
    case = (
        cases_visible_to(user)
        .select_related("account", "contact", "department", "owner", "request_type")
        .filter(pk=number)
        .first()
    )
    if case is None:
        raise NotFound("No such case.")
    return case


def entries_visible_to(user: User, case: Case) -> QuerySet[TimelineEntry]:
    """The timeline of a case this person already got through case_for(): its own entries
    and those of the cases merged into it (honeydesk.cases.merging), in time order, each
    naming its own case. A customer reads a merged case's entries only when that case is
    on one of their own accounts.

    The merged cases are read first and passed as a literal list: as a subquery
    (`id = X OR merged_into_id = X`) SQLite scanned every case for it, 60-90 ms of each
    case page at 1,000,000 cases (bench/run.py); the list is one indexed look-up."""
    if user.is_staff_member:
        # Through the relation, so that a page that prefetched `merged_cases` (the case
        # page lists them too) reads them once.
        ids = [case.pk, *(m.pk for m in case.merged_cases.all())]
    else:
        merged = Case.objects.filter(merged_into=case.pk, account_id__in=customer_account_ids(user))
        ids = [case.pk, *merged.values_list("pk", flat=True)]
    entries = TimelineEntry.objects.filter(case_id__in=ids)
    if not user.is_staff_member:
        entries = entries.filter(visibility=TimelineEntry.Visibility.PUBLIC)
    return entries


def accounts_visible_to(user: User) -> QuerySet[CustomerAccount]:
    accounts = CustomerAccount.objects.all()
    if not user.is_authenticated or not user.is_active:
        return accounts.none()
    if user.is_staff_member:
        # Any rep may need to look up any caller's account.
        return accounts
    return accounts.filter(contacts__user=user).distinct()


def account_numbered(user: User, number: str) -> CustomerAccount | None:
    """`accounts_visible_to(user)` narrowed to one account number, or None. (Numbers are
    unique: `[:1]` spares `.first()`'s ORDER BY, as in `api.auth`.)"""
    return next(iter(accounts_visible_to(user).filter(number=number)[:1]), None)


def account_for(user: User, number: str) -> CustomerAccount:
    account = accounts_visible_to(user).filter(number=number).first()
    if account is None:
        raise NotFound("No such account.")
    return account


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(account__in=accounts_visible_to(user).values("id"))


def require_staff(user: User) -> None:
    """Staff-only operations (internal notes, assignment) answer 404 to anyone else."""
    if not (user.is_authenticated and user.is_active and user.is_staff_member):
        raise NotFound("Not found.")


def require_permission(user: User, permission: str) -> None:
    """Service accounts hold one Django permission for one job (posting inbound mail);
    admins hold them all. Anyone else gets the same 404 as for anything unseen."""
    if not (user.is_authenticated and user.is_active and (user.role == Role.ADMIN or user.has_perm(permission))):
        raise NotFound("Not found.")
