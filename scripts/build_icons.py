"""Draw the app's icons (static/img/icon-192.png, icon-512.png, icon.svg): a white water drop
on the theme's blue, with a safe margin for maskable icons. Pure Python (zlib), no Pillow.

Run again only to change the design: python scripts/build_icons.py"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static" / "img"
BLUE = (1, 87, 155)
WHITE = (255, 255, 255)


def inside_drop(x: float, y: float) -> bool:
    """A drop in the unit square: a circle at the bottom and a point at the top, kept in the
    middle 60% (the maskable safe zone is the central 80%)."""
    cx, cy, r = 0.5, 0.6, 0.19
    if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
        return True
    top = 0.22
    d = cy - top
    half = math.asin(r / d)
    # The sides are the tangent lines from the tip to the circle, down to where they touch it.
    if top <= y <= top + math.sqrt(d * d - r * r) * math.cos(half):
        width = (y - top) * math.tan(half)
        return abs(x - cx) <= width
    return False


def png(size: int) -> bytes:
    rows = []
    samples = 3  # 3x3 supersampling for smooth edges
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            hits = sum(
                inside_drop((i + (a + 0.5) / samples) / size, (j + (b + 0.5) / samples) / size)
                for a in range(samples)
                for b in range(samples)
            )
            t = hits / samples**2
            row.extend(round(BLUE[k] * (1 - t) + WHITE[k] * t) for k in range(3))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" fill="#01579b"/>
<path d="M50 22 L66.45 50.5 A19 19 0 1 1 33.55 50.5 Z" fill="#fff"/>
</svg>
"""


if __name__ == "__main__":
    for size in (192, 512):
        (STATIC / f"icon-{size}.png").write_bytes(png(size))
    (STATIC / "icon.svg").write_text(SVG)
