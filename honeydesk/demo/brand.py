"""Demo data for the portal brand (issue 18): customers of the demo see Brightwave, its
colour and its logo, not the default "Customer care", so a newcomer sees what an admin
can set under Admin, Portal brand."""

from __future__ import annotations

import math
import struct
import zlib

from django.core.files.base import ContentFile

from honeydesk.branding.models import Brand

NAME = "Brightwave"
COLOUR = "#0b5fa5"  # white text on it reads at 6.3:1
LOGO_SIZE = 96


def build() -> Brand:
    """The brand row, made once: an admin's later changes are kept on a second run."""
    brand = Brand.objects.order_by("pk").first()
    if brand is not None:
        return brand
    brand = Brand(name=NAME, colour=COLOUR)
    brand.logo.save("brightwave.png", ContentFile(logo_png()), save=False)
    brand.save()
    return brand


def logo_png(size: int = LOGO_SIZE) -> bytes:
    """A round badge in the brand colour crossed by two white waves, drawn here so the
    demo ships no binary file (a PNG is a few chunks of zlib-compressed rows)."""
    blue = bytes(int(COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    centre, radius = (size - 1) / 2, size / 2 - 1
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # no filter on this row
        for x in range(size):
            if math.hypot(x - centre, y - centre) > radius:
                rows += b"\0\0\0\0"  # transparent outside the badge
                continue
            wave = size * 0.08 * math.sin(2 * math.pi * x / (size * 0.6))
            white = any(abs(y - (size * level + wave)) < size * 0.06 for level in (0.42, 0.62))
            rows += (b"\xff\xff\xff" if white else blue) + b"\xff"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )
