"""Pictures of the demo catalogue's products, drawn with Pillow (nothing downloaded): each
product as the pack it comes in (a jar, a box, a bottle, a tube, a bar...), in its own colours
with its name on the label, so the kiosk and the tablet show real pictures, not grey boxes."""

from __future__ import annotations

import io
import zlib

import PIL.Image
import PIL.ImageDraw

WIDTH, HEIGHT = 480, 336
# The pack each category's products come in, unless the product says otherwise.
SHAPES = {
    "drinks": "jar",
    "food": "box",
    "hygiene": "bottle",
    "tobacco": "box",
    "stationery": "sheets",
    "household": "cells",
    "electronics": "radio",
}
SHAPE_OF_SKU = {
    "JUICE-1L": "carton",
    "CHOC-100": "bar",
    "TUNA-185": "tin",
    "NOOD-5": "cup",
    "SOAP-100": "bar",
    "TOOTH-75": "tube",
    "ENV-10": "envelope",
    "STAMP-EE": "stamp",
    "TEA-25": "box",
    "RICE-1KG": "bag",
    "PEAN-200": "bag",
}
PALETTE = [
    (176, 58, 46),
    (40, 116, 166),
    (30, 132, 73),
    (183, 149, 11),
    (125, 60, 152),
    (202, 111, 30),
    (23, 32, 42),
    (17, 122, 101),
    (146, 43, 33),
    (36, 113, 163),
]


def _colours(sku: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    n = zlib.crc32(sku.encode())
    return PALETTE[n % len(PALETTE)], PALETTE[(n // 7 + 3) % len(PALETTE)]


def _label(draw: PIL.ImageDraw.ImageDraw, box: tuple[int, int, int, int], text: str) -> None:
    left, top, right, bottom = box
    draw.rounded_rectangle(box, radius=8, fill=(250, 248, 240))
    words, lines = text.split(), [""]
    for word in words:  # wrap to the label's width
        candidate = f"{lines[-1]} {word}".strip()
        if draw.textlength(candidate, font_size=18) <= right - left - 12 or not lines[-1]:
            lines[-1] = candidate
        else:
            lines.append(word)
    y = top + max(4, ((bottom - top) - 22 * len(lines[:3])) // 2)
    for line in lines[:3]:
        width = draw.textlength(line, font_size=18)
        draw.text(((left + right - width) / 2, y), line, fill=(30, 30, 30), font_size=18)
        y += 22


def _pack(
    draw: PIL.ImageDraw.ImageDraw,
    shape: str,
    main: tuple[int, int, int],
    other: tuple[int, int, int],
    name: str,
) -> None:
    cx, cy = WIDTH // 2, HEIGHT // 2 + 10
    if shape == "jar":
        draw.rounded_rectangle((cx - 70, cy - 120, cx + 70, cy - 90), radius=6, fill=other)
        draw.rounded_rectangle((cx - 85, cy - 95, cx + 85, cy + 130), radius=28, fill=main)
        _label(draw, (cx - 75, cy - 40, cx + 75, cy + 60), name)
    elif shape in ("bottle", "carton"):
        if shape == "bottle":
            draw.rectangle((cx - 22, cy - 140, cx + 22, cy - 100), fill=other)
            draw.rounded_rectangle((cx - 65, cy - 105, cx + 65, cy + 130), radius=40, fill=main)
        else:
            draw.polygon([(cx - 65, cy - 90), (cx, cy - 140), (cx + 65, cy - 90)], fill=other)
            draw.rectangle((cx - 65, cy - 90, cx + 65, cy + 130), fill=main)
        _label(draw, (cx - 58, cy - 30, cx + 58, cy + 60), name)
    elif shape in ("bar", "envelope", "stamp"):
        draw.rounded_rectangle((cx - 170, cy - 70, cx + 170, cy + 70), radius=12, fill=main)
        if shape == "envelope":
            draw.line(
                [(cx - 170, cy - 70), (cx, cy + 10), (cx + 170, cy - 70)], fill=other, width=6
            )
        draw.rectangle((cx - 170, cy - 70, cx - 140, cy + 70), fill=other)
        _label(draw, (cx - 110, cy - 28, cx + 140, cy + 40), name)
    elif shape in ("tin", "cup"):
        top = cy - 80 if shape == "tin" else cy - 110
        draw.ellipse((cx - 100, top - 25, cx + 100, top + 25), fill=other)
        draw.rectangle((cx - 100, top, cx + 100, cy + 100), fill=main)
        draw.ellipse((cx - 100, cy + 75, cx + 100, cy + 125), fill=main)
        _label(draw, (cx - 85, cy - 40, cx + 85, cy + 50), name)
    elif shape == "tube":
        draw.polygon(
            [(cx - 190, cy - 55), (cx + 140, cy - 60), (cx + 140, cy + 60), (cx - 190, cy + 55)],
            fill=main,
        )
        draw.rectangle((cx + 140, cy - 25, cx + 185, cy + 25), fill=other)
        _label(draw, (cx - 140, cy - 35, cx + 110, cy + 35), name)
    elif shape == "bag":
        draw.polygon(
            [
                (cx - 110, cy - 110),
                (cx + 110, cy - 110),
                (cx + 130, cy + 130),
                (cx - 130, cy + 130),
            ],
            fill=main,
        )
        draw.rectangle((cx - 110, cy - 125, cx + 110, cy - 105), fill=other)
        _label(draw, (cx - 90, cy - 40, cx + 90, cy + 60), name)
    elif shape == "sheets":
        for n in range(3, -1, -1):
            draw.rectangle(
                (cx - 110 + 10 * n, cy - 130 + 6 * n, cx + 110 + 10 * n, cy + 120 + 6 * n),
                fill=(255, 255, 255),
                outline=(150, 150, 150),
                width=2,
            )
        for n in range(6):
            draw.line(
                [(cx - 90, cy - 80 + 30 * n), (cx + 90, cy - 80 + 30 * n)], fill=main, width=3
            )
        _label(draw, (cx - 90, cy + 70, cx + 90, cy + 112), name)
    elif shape == "cells":
        for n in range(4):
            x = cx - 150 + 78 * n
            draw.rectangle((x + 20, cy - 120, x + 44, cy - 100), fill=(170, 170, 170))
            draw.rounded_rectangle(
                (x, cy - 100, x + 64, cy + 120), radius=10, fill=main if n % 2 else other
            )
        _label(draw, (cx - 150, cy + 130 - 70, cx + 150, cy + 110), name)
    elif shape == "radio":
        draw.rounded_rectangle((cx - 170, cy - 90, cx + 170, cy + 110), radius=20, fill=main)
        draw.line([(cx + 100, cy - 90), (cx + 160, cy - 150)], fill=(60, 60, 60), width=6)
        draw.ellipse((cx - 150, cy - 60, cx - 20, cy + 70), fill=other)
        for n in range(5):
            draw.line(
                [(cx - 140, cy - 40 + 22 * n), (cx - 30, cy - 40 + 22 * n)], fill=main, width=3
            )
        _label(draw, (cx, cy - 50, cx + 150, cy + 60), name)
    else:  # box
        draw.polygon(
            [(cx - 120, cy - 100), (cx - 80, cy - 135), (cx + 150, cy - 135), (cx + 110, cy - 100)],
            fill=other,
        )
        draw.polygon(
            [(cx + 110, cy - 100), (cx + 150, cy - 135), (cx + 150, cy + 95), (cx + 110, cy + 130)],
            fill=other,
        )
        draw.rectangle((cx - 120, cy - 100, cx + 110, cy + 130), fill=main)
        _label(draw, (cx - 100, cy - 40, cx + 90, cy + 60), name)


def product_picture(sku: str, category: str, name: str) -> bytes:
    """A JPEG of about 15 KB: the product's pack on a soft background."""
    main, other = _colours(sku)
    image = PIL.Image.new("RGB", (WIDTH, HEIGHT), (236, 240, 244))
    draw = PIL.ImageDraw.Draw(image)
    for y in range(HEIGHT):  # a light gradient, and a shadow under the pack
        shade = 244 - y * 24 // HEIGHT
        draw.line([(0, y), (WIDTH, y)], fill=(shade, shade + 2, min(255, shade + 6)))
    draw.ellipse(
        (WIDTH // 2 - 160, HEIGHT - 50, WIDTH // 2 + 160, HEIGHT - 14), fill=(196, 200, 206)
    )
    _pack(draw, SHAPE_OF_SKU.get(sku) or SHAPES.get(category, "box"), main, other, name)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()
