"""A document's face to PDF with WeasyPrint (HTML and CSS to PDF, Pango and
HarfBuzz for Vietnamese shaping, fonts subset and embedded).

Besides the bytes, rendering reports where the signature slot landed (page and
box in PDF points) so the signatures are placed between the signer's title
and name, whatever page the block falls on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..domain.document import MOTTO, NATIONAL_TITLE, DocumentFace, upper

TEMPLATES = Path(__file__).with_name("templates")
CSS_PX_TO_PT = 0.75  # CSS pixels are 1/96 inch, PDF points 1/72
MM_TO_PT = 72 / 25.4


@dataclass(frozen=True)
class SignatureSlot:
    page: int  # 0-based
    box: tuple[float, float, float, float]  # lower-left x, y, upper-right x, y in PDF points


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    pages: int
    slot: SignatureSlot
    seconds: float


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["upper_vi"] = upper
    return env


class DocumentRenderer:
    """Renders faces with one template set; build once per process (fonts are cached by WeasyPrint)."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        # WeasyPrint logs every step of every document at INFO; the renderer logs one line per document.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
        self._env = _environment()
        self._fonts = FontConfiguration()
        self._css = CSS(filename=str(TEMPLATES / "document.css"), font_config=self._fonts)

    def html(self, face: DocumentFace) -> str:
        return self._env.get_template("document.html").render(
            doc=face, national_title=NATIONAL_TITLE, motto=MOTTO, meta=_metadata(face)
        )

    def render(self, face: DocumentFace) -> RenderedDocument:
        return self.render_html(self.html(face), metadata=_metadata(face))

    def render_html(self, html: str, *, metadata: dict[str, str] | None = None) -> RenderedDocument:
        from weasyprint import HTML

        started = time.perf_counter()
        if metadata:
            tags = "".join(f'<meta name="{name}" content="{_attr(value)}">' for name, value in metadata.items())
            html = html.replace("</head>", tags + "</head>", 1)
        document = HTML(string=html, base_url=str(TEMPLATES)).render(stylesheets=[self._css], font_config=self._fonts)
        slot = _slot(document)
        pdf = document.write_pdf(custom_metadata=True, pdf_variant=None)
        return RenderedDocument(pdf=pdf, pages=len(document.pages), slot=slot, seconds=time.perf_counter() - started)


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _metadata(face: DocumentFace) -> dict[str, str]:
    """What the PDF says about itself, in its information dictionary (signed with it)."""
    return {
        "ttdnnumber": face.number,
        "ttdnissuer": face.issuer.code,
        "ttdnissuername": face.issuer.name,
        "ttdnissuedon": face.issued_on.isoformat(),
        "ttdnkind": face.kind,
        "ttdndocument": face.document_id,
        "ttdnversion": str(face.version),
    }


def _slot(document: object) -> SignatureSlot:
    for index, page in enumerate(document.pages):  # type: ignore[attr-defined]
        anchor = page.anchors.get("signature-slot")
        if anchor is None:
            continue
        x1, y1, x2, y2 = (value * CSS_PX_TO_PT for value in anchor)  # border box, from the page's top left
        page_height = page.height * CSS_PX_TO_PT
        return SignatureSlot(page=index, box=(x1, page_height - y2, x2, page_height - y1))
    raise RuntimeError("the template has no signature slot")
