"""`honeydesk smtpd`: an SMTP receiver (aiosmtpd) feeding the inbound pipeline.

The answer to DATA is given after `ingest` returned, i.e. after the commit: 250 when the
message is stored, a duplicate or quarantined (we have it either way); 451 (try again
later) when even the quarantine could not be written, so the sending server keeps the
message and retries. The database work runs in one worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from django.db import close_old_connections

from honeydesk.channels.email.inbound import Result, ingest

log = logging.getLogger(__name__)


class IngestHandler:
    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smtpd-ingest")

    @staticmethod
    def _ingest(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> Result:
        close_old_connections()
        try:
            return ingest(raw, "smtp", envelope_from=mail_from, recipients=rcpt_tos)
        finally:
            close_old_connections()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(
                self.executor, self._ingest, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except Exception:
            log.exception("could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 Could not store the message now; try again later"
        return f"250 2.0.0 {result.status}{' ' + result.case if result.case else ''}"


class LenientSMTP(SMTP):
    # RFC 5321 allows 998 characters a line; real mail (and spam-filter report headers)
    # breaks that. Refusing it would bounce a customer's mail, so accept long lines.
    line_length_limit = 1_000_000


class IngestController(Controller):
    def factory(self) -> SMTP:
        return LenientSMTP(self.handler, **self.SMTP_kwargs)


def controller(host: str, port: int, *, max_bytes: int) -> Controller:
    return IngestController(
        IngestHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_bytes,
        decode_data=False,
        server_hostname="honeydesk",
        ident="honeydesk smtpd",
    )
