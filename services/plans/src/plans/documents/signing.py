"""Two PAdES signatures on an issued document, as Decree 30 (Appendix I) lays
them out: first the signer's, with their signature image centred between
their title and name; then the issuing body's, with its seal over the left
third of the signer's image and the body's name and the signing time (ISO
8601, +07:00) beside it. The body's signature is an incremental update over
the signer's, so it covers the first signature too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from .pki import FONT_DIR, Credential
from .render import MM_TO_PT, SignatureSlot

VIETNAM = timezone(timedelta(hours=7))
SIGNER_FIELD = "ChuKyNguoiKy"  # the signer's signature
SEAL_FIELD = "ChuKyCoQuan"  # the issuing body's signature and seal
TEXT_BLUE = (10, 30, 120, 255)
SIGNATURE_SIZE_MM = (46.0, 20.0)
SEAL_DIAMETER_MM = 32.0
SEAL_TEXT_MM = 6.0


@dataclass(frozen=True)
class SigningRequest:
    signer: Credential
    signer_name: str
    body: Credential
    body_name: str
    place: str
    reason: str  # e.g. "Ban hành Kế hoạch số 01/KH-UBND"


def _boxes(slot: SignatureSlot) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    x0, y0, x1, y1 = slot.box
    width, height = (value * MM_TO_PT for value in SIGNATURE_SIZE_MM)
    centre_x, centre_y = (x0 + x1) / 2, (y0 + y1) / 2
    signature = (centre_x - width / 2, centre_y - height / 2, centre_x + width / 2, centre_y + height / 2)
    seal = SEAL_DIAMETER_MM * MM_TO_PT
    text = SEAL_TEXT_MM * MM_TO_PT
    # The seal's right edge on the line a third into the signature: it covers the left third. Its
    # caption (name, time) sits at the slot's foot, so nothing reaches down onto the signer's name.
    right = signature[0] + width / 3
    bottom = y0 + 1 * MM_TO_PT
    seal_box = (right - seal, bottom, right, bottom + seal + text)
    return tuple(round(v) for v in signature), tuple(round(v) for v in seal_box)  # type: ignore[return-value]


def seal_with_text(seal: Image.Image, body_name: str, signed_at: str) -> Image.Image:
    """The seal with the body's name and the signing time under it, as one transparent image."""
    width = seal.width
    band = round(width * SEAL_TEXT_MM / SEAL_DIAMETER_MM)
    image = Image.new("RGBA", (width, width + band), (255, 255, 255, 0))
    image.alpha_composite(seal.resize((width, width)), (0, 0))
    draw = ImageDraw.Draw(image)
    size = band // 2 - 4
    font = ImageFont.truetype(str(FONT_DIR / "Tinos-Regular.ttf"), size)
    while size > 8 and draw.textlength(body_name, font=font) > width:
        size -= 2
        font = ImageFont.truetype(str(FONT_DIR / "Tinos-Regular.ttf"), size)
    draw.text((width / 2, width + band * 0.28), body_name, font=font, fill=TEXT_BLUE, anchor="mm")
    draw.text((width / 2, width + band * 0.75), signed_at, font=font, fill=TEXT_BLUE, anchor="mm")
    return image


def _reserved(timestamper: object | None) -> int:
    """Room for the CMS signature, so pyHanko does not sign twice to measure it
    (certificate chain and signature about 4 KB; a timestamp token adds its own chain)."""
    return 24576 if timestamper is not None else 12288


def _image(image: Image.Image) -> object:
    from pyhanko.pdf_utils.images import PdfImage

    return PdfImage(image)


def _sign(
    pdf: BytesIO,
    field: str,
    box: tuple[int, int, int, int],
    page: int,
    name: str,
    credential: Credential,
    image: Image.Image,
    request: SigningRequest,
    timestamper: object | None,
) -> BytesIO:
    """One PAdES signature as an incremental update of ``pdf``: ``credential`` signs in the new field
    ``field`` at ``box``, shown as ``image`` fitted into the box."""
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    fit = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID, margins=layout.Margins()
    )
    signed = BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=field,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=name,
            location=request.place,
            reason=request.reason,
        ),
        signer=credential.signer,  # type: ignore[arg-type]
        timestamper=timestamper,  # type: ignore[arg-type]
        stamp_style=StaticStampStyle(
            background=_image(image), border_width=0, background_opacity=1.0, background_layout=fit
        ),
        new_field_spec=fields.SigFieldSpec(field, on_page=page, box=box),
    ).sign_pdf(IncrementalPdfFileWriter(pdf), output=signed, bytes_reserved=_reserved(timestamper))
    return signed


def sign_document(
    pdf: bytes, slot: SignatureSlot, request: SigningRequest, *, timestamper: object | None = None
) -> bytes:
    signature_box, seal_box = _boxes(slot)
    # 1. The signer's own signature, with their image.
    first = _sign(
        BytesIO(pdf),
        SIGNER_FIELD,
        signature_box,
        slot.page,
        request.signer_name,
        request.signer,
        request.signer.image,
        request,
        timestamper,
    )
    # 2. The issuing body's signature over it, with the seal, the body's name and the time.
    signed_at = datetime.now(VIETNAM).replace(microsecond=0)
    seal = seal_with_text(request.body.image, request.body_name, signed_at.isoformat())
    second = _sign(first, SEAL_FIELD, seal_box, slot.page, request.body_name, request.body, seal, request, timestamper)
    return second.getvalue()
