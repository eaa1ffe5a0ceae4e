"""What people see of a message: the new part of a reply, and HTML made safe.

HTML is cleaned with nh3 (ammonia): no scripts, no event handlers, no javascript: URLs.
Remote images are tracking beacons as often as not, so they are blocked: their `src` is
replaced by a local placeholder and the addresses are returned in a list (stored in the
entry's data). A viewer who asks for them re-renders with `allow_remote=True` from the
raw message. `cid:` images stay; the entry's data maps each Content-ID to the attachment.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import lru_cache

import nh3
from mailparser_reply import EmailReplyParser

BLOCKED_IMAGE = "/static/honeydesk/remote-image-blocked.svg"
REPLY_LANGUAGES = ["en", "de", "fr", "es", "nl", "it", "sv", "da", "pl", "cs"]
_QUOTE_HEADER = re.compile(
    r"^(On .{5,200} wrote:|Am .{5,200} schrieb .{1,200}:|Le .{5,200} a écrit ?:|-{2,} ?Original Message ?-{2,}|"
    r"-{2,} ?Forwarded message ?-{2,}|From: .+|Von: .+|De ?: .+)\s*$",
    re.MULTILINE,
)


@lru_cache(maxsize=1)
def _reply_parser() -> EmailReplyParser:
    return EmailReplyParser(languages=REPLY_LANGUAGES)


def latest_reply(text: str) -> str:
    """The new text of a reply, without the quoted history and signature separators.

    Falls back to the full text when the parser finds nothing (a forward with no note,
    or text the parser cannot split)."""
    if not text.strip():
        return ""
    try:
        reply = _reply_parser().parse_reply(text) or ""
    except Exception:
        reply = ""
    reply = reply.strip()
    if not reply:
        # Cut at the first quote header or block of '>' lines ourselves.
        match = _QUOTE_HEADER.search(text)
        head = text[: match.start()] if match else text
        reply = "\n".join(line for line in head.splitlines() if not line.startswith(">")).strip()
    return reply or text.strip()


def _allowed_attributes() -> dict[str, set[str]]:
    attributes = deepcopy(nh3.ALLOWED_ATTRIBUTES)
    attributes.setdefault("img", set()).update({"src", "alt", "width", "height", "title"})
    for tag in ("td", "th", "table"):
        attributes.setdefault(tag, set()).update({"colspan", "rowspan", "align"})
    return attributes


_ATTRIBUTES = _allowed_attributes()
_TAGS = set(nh3.ALLOWED_TAGS) | {"img", "font", "center"}


def sanitize_html(markup: str, *, allow_remote: bool = False) -> tuple[str, list[str]]:
    """Safe HTML and the list of remote image addresses that were blocked."""
    if not markup.strip():
        return "", []
    blocked: list[str] = []

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            lower = value.strip().lower()
            if lower.startswith("cid:"):
                return value
            if lower.startswith(("http://", "https://", "//")):
                if allow_remote:
                    return value
                blocked.append(value[:2000])
                return BLOCKED_IMAGE
            return None
        return value

    clean = nh3.clean(
        markup,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        clean_content_tags={"script", "style", "head", "title"},
        url_schemes={"http", "https", "mailto", "cid", "tel"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=attribute_filter,
        strip_comments=True,
    )
    return clean, blocked
