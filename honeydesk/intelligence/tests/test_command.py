import io
import json

import django
from django.conf import settings
from django.core.management import call_command

if not settings.configured:  # plain pytest run (-p no:django): minimal settings suffice
    settings.configure(INSTALLED_APPS=["honeydesk.intelligence"], USE_TZ=True)
    django.setup()

from honeydesk.intelligence.management.commands.analyze import Command


def test_it_analyses_jsonl_and_survives_a_malformed_line(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "m1", "text": "you idiot, refund my $20 now"})
        + "\n{not json\n"
        + json.dumps({"id": "d1", "draft": "Hi Ana, I've refunded the $20 today.", "customer_message": "refund my $20"})
        + "\n"
        + json.dumps({"id": "x", "other": 1})
        + "\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command(Command(), str(src), stdout=out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(lines) == 4
    assert lines[0]["id"] == "m1" and lines[0]["tone"] == "abusive"
    assert lines[0]["facts"]["amount"] == "$20"
    assert lines[1]["line"] == 2 and "error" in lines[1]
    assert lines[2]["id"] == "d1" and lines[2]["flags"]["uses_customer_name"]["value"]
    assert lines[3]["line"] == 4 and "error" in lines[3]
