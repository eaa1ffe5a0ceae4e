"""Admin pieces shared by the apps."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.text import capfirst

M = TypeVar("M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    """Records other parts of honeydesk write (cases, call events): admins look, they
    never add, change or delete here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LabelledListEditable(admin.ModelAdmin[M]):
    """Cells edited in the change list (`list_editable`) get a name a screen reader
    reads, "Position: Tag refunds": Django's list cells have no label, which axe-core
    reports as critical ("Form elements must have labels")."""

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        base = super().get_changelist_form(request, **kwargs)

        class Labelled(base):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                for field in self.fields.values():
                    field.widget.attrs.setdefault("aria-label", f"{capfirst(field.label)}: {self.instance}")

        return Labelled
