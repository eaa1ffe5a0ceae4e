"""The portal's brand: the name customers see, a logo and a colour, set by an admin.

One row (`current.get()` reads it, cached per process for a few seconds). The colour
reaches pages through a served stylesheet (/brand.css), never an inline style: the
Content-Security-Policy allows no inline style. The text colour on the brand colour is
chosen for contrast (white or near-black, whichever reads better, and pure black for the
mid tones where neither reaches WCAG's 4.5:1).
The logo is a raster image (PNG, JPEG, GIF or WebP), checked by its first bytes: an SVG
could carry script.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.db import models

from honeydesk.lib.cache import Recent

DEFAULT_NAME = "Customer care"
DEFAULT_COLOUR = "#0f5257"
MAX_LOGO_BYTES = 512 * 1024
# First bytes of the image formats a logo may have, and their content types.
IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def image_type(head: bytes) -> str | None:
    """The content type of an image from its first bytes, or None when it is none we take."""
    for magic, content_type in IMAGE_MAGIC.items():
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def validate_logo(file: UploadedFile) -> None:
    if file.size is not None and file.size > MAX_LOGO_BYTES:
        raise ValidationError(f"The logo may be at most {MAX_LOGO_BYTES // 1024} KB.")
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    if image_type(head) is None:
        raise ValidationError("The logo must be a PNG, JPEG, GIF or WebP image.")


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour as six hexadecimal digits, like #0f5257.")


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


READABLE = 4.5  # WCAG 2 AA for normal text


def ink_for(colour: str) -> str:
    """White or near-black text on `colour`, whichever contrasts more (WCAG).

    Near-black reads softer than black, but on mid tones (a bright violet such as #c30fff)
    neither it nor white reaches 4.5:1; pure black always does there, since the colour is
    then lighter than the point where black and white tie (about 4.58:1 each)."""
    ink = "#ffffff" if contrast(colour, "#ffffff") >= contrast(colour, "#111111") else "#111111"
    return ink if contrast(colour, ink) >= READABLE else "#000000"


class Brand(models.Model):
    name = models.CharField(
        max_length=60, default=DEFAULT_NAME, help_text="What customers see at the top of the portal and in its title."
    )
    colour = models.CharField(
        max_length=7,
        default=DEFAULT_COLOUR,
        validators=[hex_colour],
        help_text="The portal's main colour, like #0f5257. Text on it is black or white, whichever reads better.",
    )
    logo = models.FileField(
        upload_to="branding/",
        blank=True,
        validators=[validate_logo],
        help_text="Optional: a PNG, JPEG, GIF or WebP image, at most 512 KB, shown about 30 pixels high.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "portal brand"
        verbose_name_plural = "portal brand"

    def __str__(self) -> str:
        return self.name

    @property
    def ink(self) -> str:
        return ink_for(self.colour)

    @property
    def version(self) -> str:
        """Changes whenever the brand is saved: the stylesheet's and logo's address carry it."""
        return str(int(self.updated_at.timestamp())) if self.updated_at else "0"


def _load() -> Brand:
    return Brand.objects.order_by("pk").first() or Brand()


# As long as the other small tables: this process forgets it on save (apps.py); a 5-second
# life made every page that crossed an expiry cost one more query (and query-count tests flaky).
current = Recent(_load, seconds=30.0)
