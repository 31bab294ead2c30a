"""Render the app's SVG icon into PNG sizes, a Windows .ico and a macOS .icns (build step, any OS).

Usage: python packaging/render_icons.py SOURCE.svg OUTDIR
Writes OUTDIR/png/<N>.png for N in 16..512, OUTDIR/deskmail.ico and OUTDIR/deskmail.icns.
Qt's own SVG renderer is used, so the same script works on Linux, Windows and macOS runners
without rsvg, Inkscape or iconutil. ICO and ICNS both allow embedded PNG images, so writing
them is a matter of a small header (no Pillow needed).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 256)
# ICNS types whose payload may be PNG: (type, pixel size)
ICNS_TYPES = (("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128), ("ic08", 256), ("ic09", 512))


def render_pngs(svg: Path, out: Path) -> dict[int, bytes]:
    """Render `svg` at every size; returns {size: PNG bytes} and writes them to out/png/."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    (out / "png").mkdir(parents=True, exist_ok=True)
    rendered: dict[int, bytes] = {}
    for size in sorted(set(SIZES) | {s for _, s in ICNS_TYPES} | set(ICO_SIZES)):
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        rendered[size] = bytes(data.data())
        (out / "png" / f"{size}.png").write_bytes(rendered[size])
    return rendered


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file holding PNG images (Windows Vista and later read these)."""
    sizes = [s for s in ICO_SIZES if s in pngs]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        blob = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    return header + entries + blobs


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file holding PNG images (macOS 10.7 and later)."""
    body = b"".join(kind.encode() + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    svg, out = Path(argv[0]), Path(argv[1])
    pngs = render_pngs(svg, out)
    (out / "deskmail.ico").write_bytes(ico_bytes(pngs))
    (out / "deskmail.icns").write_bytes(icns_bytes(pngs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
