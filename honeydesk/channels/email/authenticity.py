"""Is a message really from the address in its From:? (issue 19)

honeydesk does not check SPF, DKIM or DMARC itself: the receiving mail server does and
records its findings in an `Authentication-Results` header (RFC 8601), parsed here with
`authres`. Only a header added by our own server counts: the one whose authserv-id is
in HONEYDESK_EMAIL_AUTHSERV_IDS, or, when that is not set, the topmost one (the last
hop, our server, adds its header on top; a sender can forge only headers below it).

A message *fails* when DMARC failed, or, without a DMARC result, when SPF or DKIM
failed and neither passed for the From: domain. It *passes* on DMARC pass or an
aligned SPF/DKIM pass. Anything else is *none* (no trusted header, or no verdict).
The pipeline holds failing messages for staff to confirm, and also unverified ones
when HONEYDESK_EMAIL_HOLD_UNVERIFIED is on (`should_hold`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import authres
from django.conf import settings

PASS, FAIL, NONE = "pass", "fail", "none"


@dataclass(frozen=True)
class Verdict:
    outcome: str  # PASS | FAIL | NONE
    reason: str
    results: dict[str, str] = field(default_factory=dict)  # method -> result, e.g. {"dmarc": "fail"}

    def as_dict(self) -> dict[str, object]:
        return {"outcome": self.outcome, "reason": self.reason, "results": self.results}


def _trusted_ids() -> set[str]:
    return {i.strip().lower() for i in getattr(settings, "HONEYDESK_EMAIL_AUTHSERV_IDS", []) if i.strip()}


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or the From: domain is under it."""
    domain, from_domain = domain.lower().strip("."), from_domain.lower().strip(".")
    return bool(domain) and (from_domain == domain or from_domain.endswith("." + domain))


def _header(values: Sequence[str]) -> authres.AuthenticationResultsHeader | None:
    trusted = _trusted_ids()
    for value in values:
        try:
            header = authres.AuthenticationResultsHeader.parse_value(" ".join(value.split()))
        except Exception:  # authres raises its own error types for any malformed header
            if not trusted:
                return None  # the topmost header is ours and unreadable: no verdict
            continue
        if not trusted or str(header.authserv_id).lower() in trusted:
            return header
    return None


def verdict(header_values: Sequence[str], from_addr: str) -> Verdict:
    """The verdict for a message with these Authentication-Results values (topmost
    first) and this From: address."""
    header = _header(header_values)
    if header is None:
        return Verdict(NONE, "no Authentication-Results header from our mail server")
    from_domain = from_addr.rpartition("@")[2]
    results: dict[str, str] = {}
    dkim_aligned = spf_aligned = False
    for result in header.results:
        method, outcome = str(result.method).lower(), str(result.result).lower()
        results.setdefault(method, outcome)
        props = {(p.type, p.name): str(p.value) for p in result.properties}
        if method == "dkim" and outcome == PASS and _aligned(props.get(("header", "d"), ""), from_domain):
            dkim_aligned = True
        if method == "spf" and outcome == PASS:
            mailfrom = props.get(("smtp", "mailfrom"), "") or props.get(("smtp", "helo"), "")
            spf_aligned = _aligned(mailfrom.rpartition("@")[2], from_domain)
    dmarc = results.get("dmarc")
    if dmarc == PASS:
        return Verdict(PASS, "DMARC passed", results)
    if dmarc == FAIL:
        return Verdict(FAIL, f"DMARC failed for {from_domain}", results)
    if dkim_aligned or spf_aligned:
        return Verdict(PASS, "DKIM or SPF passed for the From: domain", results)
    failed = [m for m in ("spf", "dkim") if results.get(m) == FAIL]
    if failed:
        return Verdict(FAIL, f"{' and '.join(m.upper() for m in failed)} failed for {from_domain}", results)
    return Verdict(NONE, "no SPF, DKIM or DMARC result for the From: domain", results)


def should_hold(v: Verdict) -> bool:
    return v.outcome == FAIL or (
        v.outcome == NONE and bool(getattr(settings, "HONEYDESK_EMAIL_HOLD_UNVERIFIED", False))
    )
