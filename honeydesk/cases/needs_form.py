"""The facts a request type needs, edited as a table of rows in the admin, not as JSON.

Each row is one fact: its key (what the case's facts are filed under), the label the
customer reads, whether it is required, an optional pattern the answer must match (with
the message shown when it does not) and a hint. Blank rows are dropped; a few empty rows
are always offered for adding. The stored value stays the list of dicts every reader of
`RequestType.needs` expects.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict

from honeydesk.cases.models import RequestType

COLUMNS = ("key", "label", "required", "pattern", "format_message", "help")
EMPTY_ROWS = 3
MAX_ROWS = 30
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LIMITS = {"label": 80, "pattern": 200, "format_message": 200, "help": 200}


class NeedsWidget(forms.Widget):
    template_name = "cases/admin/needs_widget.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rows = [dict(row) for row in (value if isinstance(value, list) else [])]
        rows += [{} for _ in range(EMPTY_ROWS)]
        context["widget"]["rows"] = [
            {"index": i, **{c: row.get(c, False if c == "required" else "") for c in COLUMNS}}
            for i, row in enumerate(rows)
        ]
        context["widget"]["count"] = len(rows)
        return context

    def value_from_datadict(self, data: Any, files: MultiValueDict[str, Any], name: str) -> Any:
        try:
            count = min(int(data.get(f"{name}-count", 0)), MAX_ROWS + EMPTY_ROWS)
        except (TypeError, ValueError):
            count = 0
        rows = []
        for i in range(max(count, 0)):
            row: dict[str, Any] = {c: (data.get(f"{name}-{i}-{c}") or "").strip() for c in COLUMNS}
            row["required"] = data.get(f"{name}-{i}-required") in ("on", "true", "1")
            row["remove"] = data.get(f"{name}-{i}-remove") in ("on", "true", "1")
            rows.append(row)
        return rows

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}-count" not in data


class NeedsField(forms.Field):
    widget = NeedsWidget

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, list) else []

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        if not value:
            return []
        needs: list[dict[str, Any]] = []
        errors: list[str] = []
        seen: set[str] = set()
        for number, row in enumerate(value, start=1):
            typed = any(row.get(c) for c in COLUMNS if c != "required")
            if row.get("remove") or not typed:
                continue
            key, label = row.get("key", ""), row.get("label", "")
            if not KEY.match(key):
                errors.append(f"Row {number}: the key is lower-case letters, digits and _ (e.g. meter_number).")
                continue
            if key in seen:
                errors.append(f"Row {number}: the key {key!r} is used twice.")
                continue
            seen.add(key)
            if not label:
                errors.append(f"Row {number}: give {key!r} a label the customer will read.")
            for column, most in LIMITS.items():
                if len(row.get(column, "")) > most:
                    errors.append(f"Row {number}: the {column.replace('_', ' ')} is longer than {most} characters.")
            if row.get("pattern"):
                try:
                    re.compile(row["pattern"])
                except re.error as exc:
                    errors.append(f"Row {number}: the pattern is not a valid regular expression ({exc}).")
            need: dict[str, Any] = {"key": key, "label": label, "required": bool(row.get("required"))}
            need.update({c: row[c] for c in ("pattern", "format_message", "help") if row.get(c)})
            needs.append(need)
        if len(needs) > MAX_ROWS:
            errors.append(f"At most {MAX_ROWS} facts per request type.")
        if errors:
            raise ValidationError(errors)
        return needs

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return (initial or []) != self.to_python(data)
        except ValidationError:
            return True


class RequestTypeForm(forms.ModelForm[RequestType]):
    needs = NeedsField(
        required=False,
        label="What the customer should have ready",
        help_text="One row per fact. Leave a row blank (or tick Remove) to drop it.",
    )
