"""The default scorecard: the practices the issue names (admins edit them afterwards)."""

from django.db import migrations

DEFAULTS = [
    ("Greeting and courtesy", "Greets the customer by name and stays courteous throughout.", 1),
    ("Listened and acknowledged", "Shows the problem was heard: restates it and acknowledges its impact.", 2),
    ("Owned the problem", "Takes it on personally (I will...), no passing the customer around.", 2),
    ("No rehash", "Does not ask for what the case already says; builds on the history.", 1),
    ("Explained the process and next step", "Says what happens next, who does it and when.", 2),
    ("Accurate", "What was said is correct and complete.", 2),
    ("Resolved or set a clear promise", "Fixed it, or gave a dated promise and kept the customer informed.", 2),
]


def add_defaults(apps, schema_editor):
    Criterion = apps.get_model("quality", "Criterion")
    if Criterion.objects.exists():
        return
    Criterion.objects.bulk_create(
        Criterion(name=name, description=description, weight=weight, position=n)
        for n, (name, description, weight) in enumerate(DEFAULTS, start=1)
    )


class Migration(migrations.Migration):
    dependencies = [("quality", "0003_monitoring")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
