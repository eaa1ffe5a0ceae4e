"""What the case layer tells the apps built on it, without importing them.

`case_opened` is sent by `timeline.open_case_rows` — the one step every new case goes
through, from any way in — inside the transaction that writes the case, after its first
two entries. Receivers (feature apps, connected in their `AppConfig.ready()`) may write
their own rows and put entries on the new case through `timeline` in that transaction;
an exception in a receiver fails the opening, so receivers keep to cheap, local work and
leave anything slow to a job. Arguments: `case` and `message` (the customer's first
message entry).
"""

from __future__ import annotations

from django.dispatch import Signal

case_opened = Signal()
