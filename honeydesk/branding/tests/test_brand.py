"""The portal brand an admin sets: its name, logo and colour reach every portal page through
the templates and the served /brand.css; a logo must really be a raster image; the text
colour put on the brand colour stays readable (WCAG 2 contrast, at least 4.5:1)."""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from honeydesk.accounts.models import User
from honeydesk.branding.models import Brand, contrast, current, ink_for

LOGO_ERROR = "The logo must be a PNG, JPEG, GIF or WebP image."


def tiny_png(rgb: bytes = b"\x0b\x5f\xa5") -> bytes:
    """A real 1x1 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" + rgb)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def make_brand(name: str = "Acme Telecom", colour: str = "#7a1fa2", logo: bytes | None = None) -> Brand:
    Brand.objects.all().delete()
    brand = Brand(name=name, colour=colour)
    if logo is not None:
        brand.logo.save("acme.png", ContentFile(logo), save=False)
    brand.save()
    current.forget()
    return brand


def logo_bytes(client) -> bytes:
    response = client.get("/brand/logo")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_it_puts_the_brand_on_every_portal_page(cast):
    brand = make_brand(logo=tiny_png())
    alice = cast.client(cast.alice)
    pages = {
        "/portal/login/": cast.client(None),
        "/login/": cast.client(None),
        "/portal/": alice,
        "/portal/new/": alice,
        f"/portal/cases/{cast.alice_case.ref}/": alice,
        "/portal/search/?q=March": alice,
    }
    for url, client in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert re.search(r"<title>[^<]*· Acme Telecom</title>", page), url
        assert f'<link rel="stylesheet" href="/brand.css?v={brand.version}">' in page, url
        header = page.split('<header class="portal-top">', 1)[1].split("</header>", 1)[0]
        assert f'<img src="/brand/logo?v={brand.version}" alt="">Acme Telecom</a>' in header, url
        assert "Customer care" not in page, url


def test_it_serves_the_brand_colour_and_a_readable_ink_as_css(cast, client):
    make_brand(colour="#7a1fa2")
    css = client.get("/brand.css")
    assert css["Content-Type"].startswith("text/css")
    body = css.content.decode()
    assert "--brand:#7a1fa2;" in body and "--brand-ink:#ffffff;" in body
    make_brand(colour="#ffe14d")  # a light yellow takes dark text
    assert "--brand:#ffe14d;--brand-ink:#111111;" in client.get("/brand.css").content.decode()


def test_it_gives_the_stylesheet_a_new_address_when_the_brand_changes(cast):
    brand = make_brand()
    Brand.objects.filter(pk=brand.pk).update(updated_at=brand.updated_at.replace(year=2020))
    current.forget()
    old = Brand.objects.get().version
    brand = Brand.objects.get()
    brand.colour = "#123456"
    brand.save()  # the save drops this process's cached brand (apps.py)
    page = cast.client(None).get("/portal/login/").content.decode()
    assert brand.version != old and f"/brand.css?v={brand.version}" in page


def test_it_uses_the_default_brand_until_an_admin_sets_one(cast, client):
    Brand.objects.all().delete()
    current.forget()
    page = client.get("/portal/login/").content.decode()
    assert "· Customer care</title>" in page and "/brand/logo" not in page
    assert "--brand:#0f5257;--brand-ink:#ffffff;" in client.get("/brand.css").content.decode()
    assert client.get("/brand/logo").status_code == 404


def test_the_workspace_keeps_its_own_name(cast):
    # The brand is what customers see; staff work in honeydesk whatever the portal is called.
    make_brand()
    page = cast.client(cast.billing_agent).get("/desk/").content.decode()
    assert "Acme Telecom" not in page and "/brand.css" not in page


def _admin_change(client, brand: Brand, **data):
    form = {"name": brand.name, "colour": brand.colour, **data}
    return client.post(f"/admin/branding/brand/{brand.pk}/change/", form)


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("filename", "content", "content_type"),
    [
        ("logo.svg", SVG, "image/svg+xml"),
        ("logo.png", SVG, "image/png"),  # an SVG under a PNG's name and type
        ("logo.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("logo.png", b"just some text, not an image at all", "text/plain"),
        ("logo.png", b"", "image/png"),
    ],
)
def test_it_refuses_a_logo_that_is_not_a_raster_image_and_keeps_the_old_one(cast, filename, content, content_type):
    old_png = tiny_png()
    brand = make_brand(logo=old_png)
    old_name, old_version = brand.logo.name, brand.version
    admin = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    response = _admin_change(
        admin, brand, name="Renamed", logo=SimpleUploadedFile(filename, content, content_type=content_type)
    )
    assert response.status_code == 200  # the form again, with the reason
    page = response.content.decode()
    assert LOGO_ERROR in page or "The submitted file is empty." in page
    kept = Brand.objects.get()
    assert (kept.name, kept.logo.name, kept.version) == ("Acme Telecom", old_name, old_version)
    current.forget()
    assert logo_bytes(cast.client(None)) == old_png


def test_it_refuses_an_svg_with_the_clear_message(cast):
    brand = make_brand(logo=tiny_png())
    admin = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    response = _admin_change(admin, brand, logo=SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml"))
    assert LOGO_ERROR in response.content.decode()


def test_it_refuses_a_logo_over_512_kb(cast):
    brand = make_brand(logo=tiny_png())
    admin = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    big = tiny_png() + b"\0" * (512 * 1024)
    response = _admin_change(admin, brand, logo=SimpleUploadedFile("big.png", big, content_type="image/png"))
    assert "The logo may be at most 512 KB." in response.content.decode()
    assert Brand.objects.get().logo.name == brand.logo.name


def test_it_takes_a_png_logo_and_serves_it_as_an_image(cast):
    brand = make_brand()
    admin = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    new_png = tiny_png(b"\xff\x00\x00")
    response = _admin_change(admin, brand, logo=SimpleUploadedFile("new.png", new_png, content_type="image/png"))
    assert response.status_code == 302
    current.forget()
    served = cast.client(None).get("/brand/logo")
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert logo_bytes(cast.client(None)) == new_png


def test_it_keeps_the_logo_when_only_the_name_changes(cast):
    png = tiny_png()
    brand = make_brand(logo=png)
    admin = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    assert _admin_change(admin, brand, name="Acme Cable").status_code == 302
    kept = Brand.objects.get()
    assert kept.name == "Acme Cable" and kept.logo.name == brand.logo.name
    assert logo_bytes(cast.client(None)) == png


def test_it_refuses_a_colour_that_is_not_six_hex_digits(cast):
    brand = make_brand()
    admin = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    # Seven characters, as the field allows, but CSS that would break out of the rule.
    for bad in ["red;}a{", "#12345g", "0f52570"]:
        response = _admin_change(admin, brand, colour=bad)
        assert "A colour as six hexadecimal digits" in response.content.decode(), bad
    assert Brand.objects.get().colour == "#7a1fa2"


@pytest.mark.parametrize(
    ("colour", "ink"),
    [
        ("#0f5257", "#ffffff"),  # dark
        ("#7a1fa2", "#ffffff"),  # dark
        ("#ffe14d", "#111111"),  # light
        ("#c30fff", "#000000"),  # a mid tone: white gives 4.3:1 and near-black 4.35:1
    ],
)
def test_it_picks_a_readable_ink_for_a_dark_and_a_light_brand(colour, ink):
    assert ink_for(colour) == ink
    assert contrast(colour, ink_for(colour)) >= 4.5


def test_the_contrast_formula_is_wcags():
    # The WCAG 2 reference points: black on white is 21:1, a colour on itself 1:1.
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0
    assert contrast("#777777", "#777777") == 1.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest grey that passes on white


def test_every_brand_colour_gets_an_ink_readable_at_4_5_to_1():
    # Every grey and a grid through the colour cube: no colour an admin picks leaves
    # the portal header's text under WCAG AA for normal text.
    levels = range(0, 256, 15)
    colours = [f"#{v:02x}{v:02x}{v:02x}" for v in range(256)]
    colours += [f"#{r:02x}{g:02x}{b:02x}" for r in levels for g in levels for b in levels]
    worst = min(colours, key=lambda c: contrast(c, ink_for(c)))
    assert contrast(worst, ink_for(worst)) >= 4.5, worst
