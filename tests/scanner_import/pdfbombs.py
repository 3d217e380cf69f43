"""Small PDFs that declare far more decoding work than their size suggests (issue 19, finding 9).

Each page draws images by reference; the image data itself is a few bytes (the declared
size is what a decoder would have to produce), so a file of thousands of pages costs
nothing to write and would cost pdftoppm hours to render.
"""
from __future__ import annotations

import zlib
from pathlib import Path

A4 = (595, 842)


def image(width: int, height: int, data: bytes = b"\x00" * 64) -> tuple[bytes, bytes]:
    packed = zlib.compress(data)
    return (f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray "
            f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(packed)} >>").encode(), packed


def write_pdf(path: Path, pages: int, *, image_size=(30000, 30000), draws: int = 1, via_form: bool = False,
              inline: bool = False, annotation: bool = False, media_box=A4, draw_image: bool = True,
              predictor_padding: int = 0) -> Path:
    """``pages`` pages, each drawing one shared image of ``image_size`` ``draws`` times
    (directly, through a form XObject, or inline), or showing it as an annotation.
    ``predictor_padding``: the content, padded with that many spaces, is Flate-encoded with a
    PNG predictor of 4 columns (slow for pypdf to decode: ~30 s for 70 MB)."""
    objects: list[tuple[bytes, bytes | None]] = []

    def add(body: bytes, stream: bytes | None = None) -> int:
        objects.append((body, stream))
        return len(objects)

    w, h = image_size
    img = add(*image(w, h))
    draw = b"q 595 0 0 842 0 0 cm /Im0 Do Q\n" * draws
    resources = f"<< /XObject << /Im0 {img} 0 R >> >>"
    if via_form:
        form = add(f"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources {resources} "
                   f"/Length {len(draw)} >>".encode(), draw)
        draw, resources = b"/Fm0 Do\n", f"<< /XObject << /Fm0 {form} 0 R >> >>"
    if inline:
        data = zlib.compress(b"\x00" * 64)
        draw = (f"q 595 0 0 842 0 0 cm BI /W {w} /H {h} /CS /G /BPC 8 /F /Fl ID ".encode() + data + b" EI Q\n") * draws
        resources = "<< >>"
    if not draw_image:
        draw = b"0 0 m 10 10 l S\n"
    if predictor_padding:
        plain = draw + b" " * (predictor_padding + (-len(draw) - predictor_padding) % 4)
        rows = b"".join(b"\x00" + plain[i:i + 4] for i in range(0, len(plain), 4))
        packed = zlib.compress(rows, 9)
        content = add(f"<< /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >> "
                      f"/Length {len(packed)} >>".encode(), packed)
    else:
        content = add(f"<< /Length {len(draw)} >>".encode(), draw)
    annots = ""
    if annotation:
        ap = add(f"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /Im0 {img} 0 R >> >> "
                 f"/Length 31 >>".encode(), b"q 595 0 0 842 0 0 cm /Im0 Do Q\n")
        annots = f"/Annots [<< /Type /Annot /Subtype /Stamp /Rect [0 0 595 842] /AP << /N {ap} 0 R >> >>]"
        content = add(b"<< /Length 0 >>", b"")
    pages_id = len(objects) + pages + 1
    kids = []
    for _ in range(pages):
        kids.append(add(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {media_box[0]} {media_box[1]}] "
                        f"/Resources {resources} /Contents {content} 0 R {annots} >>".encode()))
    add(f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {pages} >>".encode())
    root = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, (body, stream) in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body
        if stream is not None:
            out += b"\nstream\n" + stream + b"\nendstream"
        out += b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path
