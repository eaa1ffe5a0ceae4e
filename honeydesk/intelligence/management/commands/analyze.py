"""``manage.py analyze [file]``: run the text intelligence over JSON Lines.

Input lines are messages ``{"id", "text"}`` or drafts ``{"id", "draft", "customer_message"}``
(optionally ``customer_name``). Each input line yields exactly one output line, so outputs can
be zipped with inputs; a malformed line yields ``{"line": n, "error": ...}`` and processing
continues - one poison line must never block a batch.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from honeydesk.intelligence.analyze import analyze_draft, analyze_message


def analyze_record(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    if "draft" in record:
        draft = record["draft"]
        if not isinstance(draft, str):
            raise ValueError("'draft' must be a string")
        customer = record.get("customer_message") or ""
        name = record.get("customer_name")
        return {"id": record.get("id"), "kind": "draft", **analyze_draft(draft, str(customer), name)}
    if "text" in record:
        if not isinstance(record["text"], str):
            raise ValueError("'text' must be a string")
        return {"id": record.get("id"), "kind": "message", **analyze_message(record["text"])}
    raise ValueError("expected a 'text' (message) or 'draft' field")


class Command(BaseCommand):
    help = (
        'Analyse customer messages ({"id","text"}) or reply drafts '
        '({"id","draft","customer_message"}) given as JSON Lines in FILE or on stdin; '
        "writes one JSON line of predictions per input line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="JSON Lines file ('-' or omitted: stdin)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
        try:
            for n, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    out = analyze_record(json.loads(line))
                except Exception as exc:
                    out = {"line": n, "error": f"{type(exc).__name__}: {exc}"}
                self.stdout.write(json.dumps(out, ensure_ascii=False))
        finally:
            if stream is not sys.stdin:
                stream.close()
