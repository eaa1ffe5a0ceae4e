"""How a delivery is signed, and how a receiver checks it (README: "Webhooks").

Header ``Honeydesk-Signature: t=<unix seconds>,v1=<hex>``, where ``<hex>`` is
HMAC-SHA256 with the endpoint's secret over ``"<t>." + body`` (the raw request body,
bytes). A receiver recomputes it, compares in constant time, and refuses a ``t`` older than
a few minutes (a replayed delivery).
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Honeydesk-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None) -> bool:
    """What a receiver does: True when ``header`` signs ``body`` with ``secret`` recently."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        t = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, body, t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
