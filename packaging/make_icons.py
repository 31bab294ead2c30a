"""Pack the committed app icon PNGs into a Windows .ico and a macOS .icns (build step, any OS).

Usage: python packaging/make_icons.py OUTDIR
Reads resources/icons/deskmail-<N>.png (rendered from the SVGs by scripts/render-icons) and writes
OUTDIR/deskmail.ico and OUTDIR/deskmail.icns. Both formats may embed PNG images as they are, so
this needs only the standard library: no Pillow, iconutil or ImageMagick on the build runners.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 256)
# ICNS element types whose payload may be a PNG, with their pixel size.
ICNS_TYPES = (("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128), ("ic08", 256), ("ic09", 512))


def png(size: int) -> bytes:
    """The committed PNG of this size; checks that it is one."""
    data = (ICONS / f"deskmail-{size}.png").read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"deskmail-{size}.png is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    if (width, height) != (size, size):
        raise SystemExit(f"deskmail-{size}.png is {width}x{height}")
    return data


def ico_bytes() -> bytes:
    """An ICO file of PNG images (read by Windows Vista and later)."""
    images = [(size, png(size)) for size in ICO_SIZES]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for size, data in images:
        dim = 0 if size >= 256 else size  # 0 stands for 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return header + entries + b"".join(data for _, data in images)


def icns_bytes() -> bytes:
    """An ICNS file of PNG images (read by macOS 10.7 and later)."""
    body = b""
    for kind, size in ICNS_TYPES:
        data = png(size)
        body += kind.encode() + struct.pack(">I", 8 + len(data)) + data
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    (out / "deskmail.ico").write_bytes(ico_bytes())
    (out / "deskmail.icns").write_bytes(icns_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
