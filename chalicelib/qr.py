"""QR codes as SVG, drawn on our side (segno): the staff app's LINE-binding link and the staff-key sign-in.

Drawn here rather than in the browser so the pages load no QR library and no other origin; segno is
pure Python, has no dependencies and writes a compact single-path SVG.
"""

from __future__ import annotations

import io


def svg(text: str) -> str:
    """An SVG document (black on white, 4-module quiet zone, medium error correction) encoding ``text``."""

    import segno  # imported on first use: keeps it off every cold start

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False, scale=1, border=4, dark="#000", light="#fff",
        omitsize=True, title="QR code", svgclass="qr", lineclass=None)
    return out.getvalue().decode()
