"""Raw RFC 822 bytes -> a `ParsedMail` the pipeline can trust.

Real mail is messy: charsets that are missing, wrong or unknown, 8-bit bytes in
headers, broken base64, headers of a megabyte, parts nested fifty deep. Nothing here
raises on such input; the text is decoded with fallbacks (declared charset -> UTF-8 ->
Windows-1252 -> Latin-1 with replacement) and oddities are noted in `defects`. Only a
message with no usable structure at all raises `MalformedMail`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import html as html_lib
import quopri
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr
from functools import lru_cache
from typing import Any

MAX_DEPTH = 20
MAX_PARTS = 500
MAX_IDS = 50
MAX_ID_CHARS = 250

_ID_RE = re.compile(r"<([^<>\s]{1,998})>")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")
_SURROGATES = re.compile(r"[\udc80-\udcff]")
# Charsets whose label is often wrong: bytes that are valid UTF-8 almost never are meant
# as Latin-1 text, so UTF-8 is tried before believing the label.
_OFTEN_MISLABELLED = {
    "",
    "us-ascii",
    "ascii",
    "iso-8859-1",
    "latin-1",
    "latin1",
    "iso-8859-15",
    "windows-1252",
    "cp1252",
}
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")


class _CachingPolicy(EmailPolicy):
    """policy.default, except that Content-* header values are parsed once.

    EmailMessage parses a header each time it is read, and reading a part's type,
    charset, disposition and filename reads Content-Type and Content-Disposition about
    ten times per message — most of the time spent parsing. The parsed headers are
    read-only values, so equal raw values share one parsed object (writing a message
    out re-parses through `fold`, which does not use this cache)."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name") or len(value) > 998 or not name.lower().startswith("content-"):
            return super().header_fetch_parse(name, value)
        return _parsed_header(self, name, value)


@lru_cache(maxsize=4096)
def _parsed_header(policy: EmailPolicy, name: str, value: str) -> object:
    return EmailPolicy.header_fetch_parse(policy, name, value)


POLICY = _CachingPolicy()


class MalformedMail(Exception):
    """The bytes are not a message we can work with."""


@dataclass
class Part:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_addr: str
    from_name: str
    to: list[str]
    cc: list[str]
    date: str
    auto_reason: str
    text: str
    html: str
    attachments: list[Part] = field(default_factory=list)
    embedded_ids: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    content_hash: str = ""
    # Authentication-Results values, topmost (added last, by our server) first.
    auth_results: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, nearest first."""
        seen: dict[str, None] = {}
        for mid in [*self.in_reply_to, *reversed(self.references), *self.embedded_ids]:
            seen.setdefault(mid, None)
        return list(seen)[:MAX_IDS]


# --- small helpers ------------------------------------------------------------------


def clean_text(text: str) -> str:
    """NUL bytes are not storable in PostgreSQL text or JSON; surrogates not in UTF-8."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _SURROGATES.search(text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def decode_bytes(data: bytes, declared: str | None) -> str:
    label = (declared or "").strip().strip('"').lower()
    candidates = ["utf-8", label] if label in _OFTEN_MISLABELLED else [label, "utf-8"]
    candidates.append("cp1252")
    for name in candidates:
        if not name:
            continue
        try:
            codecs.lookup(name)
            return clean_text(data.decode(name))
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return clean_text(data.decode("latin-1", errors="replace"))


def norm_id(value: str) -> str:
    """A Message-ID as stored and compared: no brackets or spaces; very long ones hashed."""
    value = value.strip().strip("<>").strip()
    if len(value) > MAX_ID_CHARS:
        return "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()
    return value


def parse_ids(value: str) -> list[str]:
    if not value:
        return []
    found = _ID_RE.findall(value) or [v for v in value.split() if "@" in v]
    return [norm_id(v) for v in found if v.strip("<>")]


def _raw_header(msg: Message, name: str) -> str | None:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _repair(raw: str) -> str:
    """A raw header value with 8-bit bytes (surrogate-escaped) and maybe encoded words."""
    text = decode_bytes(raw.encode("ascii", "surrogateescape"), None)
    text = re.sub(r"(\?=)\s+(=\?)", r"\1\2", text)  # whitespace between encoded words is not text
    return _ENCODED_WORD.sub(_decode_word, text)


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.group(1), match.group(2).lower(), match.group(3)
    try:
        if encoding == "b":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=True)
    except (ValueError, binascii.Error):
        return match.group(0)
    return decode_bytes(data, charset.split("*")[0])


def header(msg: Message, name: str) -> str:
    """A header as text, whatever its encoding; '' when missing or unreadable."""
    raw = _raw_header(msg, name)
    if raw is None:
        return ""
    if _SURROGATES.search(raw):  # raw 8-bit bytes in the header
        text = _repair(raw)
    elif "=?" not in raw:  # plain ASCII: no need for the (slow) header registry
        text = raw
    else:
        try:
            value = msg.get(name)
            text = "" if value is None else str(value)
        except Exception:
            text = raw or ""
    return clean_text(" ".join(text.split()))


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    raws = [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
    if any(_SURROGATES.search(r) for r in raws):
        values = [_repair(r) for r in raws]
    elif not any("=?" in r for r in raws):
        values = raws
    else:
        try:
            values = [str(v) for v in msg.get_all(name, [])]
        except Exception:
            values = [header(msg, name)]
    out = []
    for display, addr in getaddresses([clean_text(v) for v in values]):
        addr = addr.strip().lower()
        if "@" in addr and len(addr) <= 254:
            out.append((display.strip(), addr))
    return out


def html_to_text(markup: str) -> str:
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", markup)
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    text = re.sub(r"(?i)</(p|div|tr|li|h[1-6]|blockquote)\s*>", "\n", text)
    text = re.sub(r"<[^>]*>", "", text)
    text = html_lib.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def content_hash(raw: bytes) -> str:
    """A dedupe key for a message without a Message-ID: the headers that identify the
    message (not the ones each hop adds, like Received) plus the body."""
    head, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    keep = []
    for line in re.split(rb"\r?\n(?![ \t])", head):
        name = line.split(b":", 1)[0].strip().lower()
        if name in (b"from", b"to", b"cc", b"subject", b"date"):
            keep.append(b" ".join(line.split()))
    digest = hashlib.sha256(b"\n".join(sorted(keep)) + b"\n\n" + body.replace(b"\r\n", b"\n").strip())
    return digest.hexdigest()


# --- the walk -----------------------------------------------------------------------


def _leaves(part: Message, depth: int, out: list[Message], defects: list[str]) -> None:
    if len(out) >= MAX_PARTS:
        defects.append("too many parts; the rest were skipped")
        return
    ctype = part.get_content_type()
    if ctype.startswith("message/") or not part.is_multipart():
        out.append(part)
        return
    if depth >= MAX_DEPTH:
        defects.append(f"parts nested deeper than {MAX_DEPTH}; the rest were skipped")
        return
    payload = part.get_payload()
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message):
            _leaves(sub, depth + 1, out, defects)


def _payload_bytes(part: Message) -> bytes:
    if part.get_content_type().startswith("message/"):
        payload = part.get_payload()
        items = payload if isinstance(payload, list) else [payload]
        chunks = []
        for item in items:
            try:
                chunks.append(item.as_bytes() if isinstance(item, Message) else str(item).encode("utf-8", "replace"))
            except Exception:
                chunks.append(str(item).encode("utf-8", "surrogateescape"))
        return b"\n".join(chunks)
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _filename(part: Message, ctype: str, index: int) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name = clean_text(re.sub(r"[\x00-\x1f/\\]", "_", str(name))).strip(" .")[:200]
    if name:
        return name
    ext = {
        "text/calendar": "ics",
        "message/rfc822": "eml",
        "text/html": "html",
        "text/plain": "txt",
        "application/ms-tnef": "dat",
        "image/png": "png",
        "image/jpeg": "jpg",
        "image/gif": "gif",
        "application/pdf": "pdf",
        "text/rfc822-headers": "txt",
        "message/delivery-status": "txt",
    }.get(ctype, "bin")
    base = {"text/calendar": "invite", "message/rfc822": "forwarded", "application/ms-tnef": "winmail"}.get(
        ctype, "attachment"
    )
    return f"{base}-{index}.{ext}" if base == "attachment" else f"{base}.{ext}"


def _is_attachment(part: Message) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
        has_name = bool(part.get_filename())
    except Exception:
        disposition, has_name = "attachment", True
    return disposition == "attachment" or has_name


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _auto_reason(msg: Message, from_addr: str, envelope_from: str | None) -> str:
    auto = header(msg, "Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"auto-submitted: {auto[:40]}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autogenerated", "X-Failed-Recipients"):
        if msg.get(name) is not None:
            return name.lower()
    precedence = header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    local = from_addr.split("@", 1)[0]
    if local in _BOUNCE_SENDERS or not from_addr:
        return "bounce: sender " + (from_addr or "missing")
    if msg.get_content_type() == "multipart/report":
        return "bounce: delivery report"
    return_path = envelope_from if envelope_from is not None else _raw_header(msg, "Return-Path")
    if return_path is not None and return_path.strip().strip("<>").strip() == "":
        return "bounce: empty return path"
    return ""


def _auth_results(msg: EmailMessage) -> list[str]:
    """The Authentication-Results values, topmost first (see authenticity.py)."""
    try:
        return [clean_text(str(v))[:2000] for v in (msg.get_all("Authentication-Results") or [])[:10]]
    except Exception:  # a header the email package cannot even render: no verdict
        return []


def parse(raw: bytes, *, envelope_from: str | None = None) -> ParsedMail:
    if not raw or not raw.strip():
        raise MalformedMail("empty message")
    msg = message_from_bytes(raw, policy=POLICY)
    if not isinstance(msg, EmailMessage):  # pragma: no cover - an EmailPolicy always gives one
        raise MalformedMail("not a message")
    if not msg.keys():
        raise MalformedMail("no headers")
    defects = [type(d).__name__ for d in msg.defects][:20]
    from_list = addresses(msg, "From") or addresses(msg, "Sender")
    from_name, from_addr = from_list[0] if from_list else ("", "")
    if not from_addr:
        from_name, from_addr = parseaddr(header(msg, "From"))
        from_addr = from_addr.lower() if "@" in from_addr else ""
    leaves: list[Message] = []
    _leaves(msg, 0, leaves, defects)
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Part] = []
    embedded: list[str] = []
    for index, part in enumerate(leaves, 1):
        ctype = part.get_content_type()
        if ctype in ("text/plain", "text/html") and not _is_attachment(part):
            text = decode_bytes(_payload_bytes(part), _charset(part))
            (texts if ctype == "text/plain" else htmls).append(text)
            continue
        content = _payload_bytes(part)
        if ctype == "message/rfc822" or ctype == "text/rfc822-headers":
            inner = message_from_bytes(content, policy=POLICY)
            embedded += parse_ids(header(inner, "Message-ID"))
        cid = header(part, "Content-ID").strip("<> ")
        try:
            inline = (part.get_content_disposition() or "") == "inline"
        except Exception:
            inline = False
        attachments.append(
            Part(
                filename=_filename(part, ctype, index),
                content_type=ctype,
                content=content,
                content_id=cid[:200],
                inline=inline or bool(cid),
            )
        )
    html = "\n".join(htmls)
    text = "\n".join(t.strip("\n") for t in texts) if texts else html_to_text(html)
    message_id = parse_ids(header(msg, "Message-ID"))
    return ParsedMail(
        message_id=message_id[0] if message_id else "",
        in_reply_to=parse_ids(header(msg, "In-Reply-To"))[:MAX_IDS],
        references=parse_ids(header(msg, "References"))[-MAX_IDS:],
        subject=header(msg, "Subject")[:1000],
        from_addr=from_addr,
        from_name=from_name[:200],
        to=[a for _, a in addresses(msg, "To")][:100],
        cc=[a for _, a in addresses(msg, "Cc")][:100],
        date=header(msg, "Date")[:100],
        auto_reason=_auto_reason(msg, from_addr, envelope_from),
        text=text,
        html=html,
        attachments=attachments,
        embedded_ids=embedded[:MAX_IDS],
        defects=defects,
        content_hash=content_hash(raw),
        auth_results=_auth_results(msg),
    )
