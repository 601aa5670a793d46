"""The face of an issued document (Decree 30/2020/NĐ-CP, Appendix I), built
from data: what the renderer lays out, the signer signs and edXML describes.

One model for every kind of document (:func:`document_face`): the content's kind writes
the body (a plan's sections, a report's), the issuing facts fill the rest alike.
Nothing here knows HTML, PDF or signatures.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from .catalogue import BUDGET_SOURCE_LABELS
from .content import Activity, LegalBasis, PlanContent
from .organisations import BodyFace, Organisations
from .report import ReportContent

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Words a legal basis's title may start with, when it predates the document_type field.
DOCUMENT_TYPES = (
    "Nghị quyết",
    "Nghị định",
    "Kết luận",
    "Chỉ thị",
    "Quyết định",
    "Thông tư",
    "Kế hoạch",
    "Chương trình",
    "Công văn",
    "Hướng dẫn",
    "Luật",
    "Thông báo",
    "Báo cáo",
)


# -- Vietnamese formatting
def vnd(amount: int) -> str:
    """``150000000`` → ``150.000.000 đồng``."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def short_date(day: date) -> str:
    """``15/6/2023``, ``07/8/2023``, ``16/02/2023``: days below 10 and the months January and
    February take a leading zero, as in the date line (Decree 30, Appendix I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


def capitalise(text: str) -> str:
    """The first letter upper-cased and the rest kept: ``hoạt động TTĐN`` → ``Hoạt động TTĐN``."""
    text = unicodedata.normalize("NFC", text.strip())
    return text[:1].upper() + text[1:]


def upper(text: str) -> str:
    return unicodedata.normalize("NFC", text).upper()


def citation(basis: LegalBasis) -> str:
    """``Kết luận số 57-KL/TW ngày 15/6/2023 của Bộ Chính trị về tiếp tục …``.

    Content model v2 gives type, number and summary; an older legal basis has its type
    as the first words of its title (``Kết luận về …``), which is where it is taken from."""
    document_type, summary = basis.document_type, basis.summary
    if not document_type:
        title = basis.title
        document_type = next((kind for kind in DOCUMENT_TYPES if title.lower().startswith(kind.lower())), "")
        summary = title[len(document_type) :].strip() if document_type else title
    number = basis.number or basis.reference
    parts = [document_type or "Văn bản", f"số {number}"]
    if basis.issued_on:
        parts.append(f"ngày {short_date(basis.issued_on)}")
    if basis.issuer:
        parts.append(f"của {basis.issuer}")
    summary = summary.strip().rstrip(";.")
    if summary:
        parts.append(summary if summary.lower().startswith("về ") else f"về {summary[:1].lower()}{summary[1:]}")
    return " ".join(parts)


# -- the signature block
@dataclass(frozen=True)
class Signer:
    """Who signed at the issuing level, as the directory describes them."""

    username: str
    full_name: str  # family name first: Bế Đức Thắng
    position: str  # Phó Chủ tịch, Chủ tịch, Quyền Chủ tịch, Giám đốc, Chánh Văn phòng …
    org_unit: str | None = None
    # Whose place the signer held when they approved, by delegation (an out-of-office deputy, or
    # a task handed over): they then sign by that authorisation (TUQ.) unless they are the head's
    # deputy (KT.) or acting head (Q.) anyway.
    delegated_by: str = ""


@dataclass(frozen=True)
class SignatureBlock:
    authority: tuple[str, ...]  # TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH
    title: str  # PHÓ CHỦ TỊCH
    full_name: str
    competence: str  # TM. / KT. / Q. / TUQ. / TL. / "" (the head signs in their own name)
    position: str  # Phó Chủ tịch
    username: str = ""  # whose certificate signs


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def signature_block(body: BodyFace, signer: Signer) -> SignatureBlock:
    """The authority lines from the body and the signer's position (Decree 30, Appendix I):
    TM. before a collective body; KT. for the head's deputy; Q. for an acting head; TUQ. for
    someone of another body, or anyone approving in an absent approver's place, authorised by the
    head; TL. for the head of a division of the body."""
    position = _fold(signer.position)
    head = _fold(body.head)
    lines: list[str] = [f"TM. {upper(body.collective)}"] if body.collective else []
    title = upper(signer.position or body.head)
    if position == head:
        competence = "TM." if body.collective else ""
        title = upper(body.head)
    elif position == f"phó {head}":
        competence = "KT."
        lines.append(f"KT. {upper(body.head)}")
    elif position in (f"quyền {head}", f"q. {head}"):
        competence = "Q."
        title = f"Q. {upper(body.head)}"
    elif signer.delegated_by or (signer.org_unit and signer.org_unit != body.code):
        competence = "TUQ."
        lines.append(f"TUQ. {upper(body.head)}")
    else:
        competence = "TL."
        lines.append(f"TL. {upper(body.head)}")
    if competence == "TM." and not lines:
        competence = ""
    return SignatureBlock(
        authority=tuple(lines),
        title=title,
        full_name=signer.full_name,
        competence=competence,
        position=signer.position,
        username=signer.username,
    )


# -- the face
@dataclass(frozen=True)
class Item:
    """A paragraph of the body: a heading (``1. …``), a dash item (``- …``) or plain text."""

    text: str
    kind: str = "text"  # heading, subheading, dash, text


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Section:
    heading: str  # I. MỤC ĐÍCH, YÊU CẦU
    items: tuple[Item, ...] = ()
    table: Table | None = None


@dataclass(frozen=True)
class DocumentFace:
    kind: str  # plan, report
    type_code: str  # KH, BC (edXML DocumentType, the symbol's type)
    type_name: str  # KẾ HOẠCH
    number: str  # 01/KH-UBND
    issued_on: date
    place: str
    issuer: BodyFace
    summary_line: str  # Hoạt động thông tin đối ngoại năm 2024
    signature: SignatureBlock
    recipients: tuple[str, ...]  # Nơi nhận, the last being "Lưu: VT, {handling unit}."
    preamble: tuple[str, ...] = ()  # Căn cứ …; and the sentence that issues the document
    sections: tuple[Section, ...] = ()
    closing: str = ""  # Trên đây là …./.
    addressed_to: tuple[str, ...] = ()  # Kính gửi: (documents sent upward, e.g. a report to the ministry)
    document_id: str = ""
    version: int = 0
    title: str = ""

    @property
    def number_line(self) -> str:
        return f"Số: {self.number}"

    @property
    def date_line(self) -> str:
        month = f"{self.issued_on.month:02d}" if self.issued_on.month < 3 else str(self.issued_on.month)
        return f"{self.place}, ngày {self.issued_on.day:02d} tháng {month} năm {self.issued_on.year}"

    @property
    def storage_line(self) -> str:
        return f"Lưu: VT, {self.issuer.handling_unit}."


@dataclass(frozen=True)
class SealText:
    """What the issuing body's seal carries beside its image: its name and the signing time."""

    body: str
    signed_at: datetime = field(default_factory=datetime.now)

    @property
    def iso(self) -> str:
        return self.signed_at.isoformat(timespec="seconds")


# -- plans
def _summary_line(title: str, type_word: str = "Kế hoạch") -> str:
    """The title without its document type, capitalised: ``Kế hoạch hoạt động …`` → ``Hoạt động …``."""
    if title.lower().startswith(type_word.lower()):
        title = title[len(type_word) :]
    return capitalise(title)


def _recipients(listed: tuple[str, ...], body: BodyFace) -> tuple[str, ...]:
    """The listed recipients (each once, without any "Lưu" line of their own), then exactly one
    ``Lưu: VT, {handling unit}.``"""
    seen: list[str] = []
    for entry in listed:
        text = entry.strip().lstrip("-").strip().rstrip(";,. ")
        if text and not _fold(text).startswith("lưu") and text not in seen:
            seen.append(text)
    return (*(f"{entry};" for entry in seen), f"Lưu: VT, {body.handling_unit}.")


def _period(activity: Activity, year: int) -> str | None:
    if activity.start_date and activity.end_date:
        return f"từ ngày {short_date(activity.start_date)} đến ngày {short_date(activity.end_date)}"
    if activity.quarter:
        return f"quý {['I', 'II', 'III', 'IV'][activity.quarter - 1]} năm {year}"
    return None


@dataclass(frozen=True)
class _Body:
    """What a kind writes on the face: its type, summary line, preamble, sections and closing."""

    kind: str  # plan, report
    type_code: str  # KH, BC
    type_name: str  # KẾ HOẠCH, BÁO CÁO
    summary_line: str
    preamble: tuple[str, ...]
    sections: tuple[Section, ...]
    closing: str
    addressed_to: tuple[str, ...] = ()  # Kính gửi: (documents sent upward)


def document_face(
    *,
    document_id: str,
    version: int,
    content: PlanContent | ReportContent,
    number: str,
    issued_on: date,
    place: str,
    issuer: BodyFace,
    signer: Signer,
    organisations: Organisations,
    answering: str | None = None,
) -> DocumentFace:
    """The face of an issued document, from its frozen content and its issuing facts: the kind of the
    content writes the body (:func:`_plan_body`, :func:`_report_body`), the issuing facts the rest.
    ``answering`` is the citation of the ministry's call the document answers ("Thực hiện Công văn
    số … của …")."""

    def name(unit: str) -> str:  # as the unit was named on the day of issue
        return organisations.unit_name(unit, issued_on)

    if isinstance(content, ReportContent):
        body = _report_body(content, issuer, name, answering)
    else:
        body = _plan_body(content, issuer, name, answering)
    return DocumentFace(
        kind=body.kind,
        type_code=body.type_code,
        type_name=body.type_name,
        number=number,
        issued_on=issued_on,
        place=place,
        issuer=issuer,
        summary_line=body.summary_line,
        signature=signature_block(issuer, signer),
        recipients=_recipients(content.recipients, issuer),
        preamble=body.preamble,
        sections=body.sections,
        closing=body.closing,
        addressed_to=body.addressed_to,
        document_id=document_id,
        version=version,
        title=content.title,
    )


def _plan_body(content: PlanContent, issuer: BodyFace, name: Callable[[str], str], answering: str | None) -> _Body:
    """An issued plan's body; the call it answers is cited after the legal bases."""
    summary_line = _summary_line(content.title)
    preamble = [f"Căn cứ {citation(basis)};" for basis in content.legal_bases]
    if answering:
        preamble.append(f"{answering};")
    preamble.append(
        f"{capitalise(issuer.name)} ban hành Kế hoạch {summary_line[:1].lower()}{summary_line[1:]} như sau:"
    )

    purpose = tuple(Item(paragraph.strip()) for paragraph in content.summary.split("\n") if paragraph.strip())
    tasks: list[Item] = []
    duties: dict[str, list[int]] = {}
    by_source: dict[str, int] = {}
    for index, activity in enumerate(content.activities, start=1):
        tasks.append(Item(f"{index}. {capitalise(activity.title)}", "subheading"))
        if activity.content:
            tasks.append(Item(f"Nội dung: {activity.content}", "dash"))
        units = f"Đơn vị chủ trì: {name(activity.lead_unit)}"
        if activity.partner_units:
            units += f"; đơn vị phối hợp: {', '.join(name(unit) for unit in activity.partner_units)}"
        tasks.append(Item(units + ".", "dash"))
        period = _period(activity, content.year)
        if period:
            tasks.append(Item(f"Thời gian thực hiện: {period}.", "dash"))
        if activity.expected_output:
            tasks.append(Item(f"Sản phẩm: {activity.expected_output.rstrip('.')}.", "dash"))
        for indicator in activity.indicators:
            tasks.append(Item(f"Chỉ tiêu: {indicator.name}: {thousands(indicator.target)} {indicator.unit}.", "dash"))
        source = BUDGET_SOURCE_LABELS.get(activity.budget_source, (activity.budget_source, ""))[0]
        if activity.budget_vnd:
            tasks.append(Item(f"Kinh phí: {vnd(activity.budget_vnd)} ({source[:1].lower()}{source[1:]}).", "dash"))
        else:
            tasks.append(Item("Kinh phí: lồng ghép trong kinh phí thường xuyên của đơn vị.", "dash"))
        duties.setdefault(activity.lead_unit, []).append(index)
        by_source[activity.budget_source] = by_source.get(activity.budget_source, 0) + activity.budget_vnd

    budget = Table(
        headers=("Nguồn kinh phí", "Số tiền"),
        rows=tuple(
            (BUDGET_SOURCE_LABELS.get(source, (source, ""))[0], vnd(amount)) for source, amount in by_source.items()
        ),
        total=("Tổng cộng", vnd(content.total_budget_vnd)),
    )
    implementation = [
        Item(
            f"{index}. {name(unit)} chủ trì thực hiện "
            f"{'nhiệm vụ số' if len(numbers) == 1 else 'các nhiệm vụ số'} {', '.join(map(str, numbers))} tại Mục II; "
            "báo cáo kết quả thực hiện trước ngày 15 tháng 12.",
        )
        for index, (unit, numbers) in enumerate(duties.items(), start=1)
    ]
    sections = (
        Section("I. MỤC ĐÍCH, YÊU CẦU", purpose),
        Section("II. NHIỆM VỤ, HOẠT ĐỘNG", tuple(tasks)),
        Section(
            "III. KINH PHÍ",
            (Item(f"Tổng kinh phí thực hiện Kế hoạch: {vnd(content.total_budget_vnd)}, gồm:"),),
            budget,
        ),
        Section("IV. TỔ CHỨC THỰC HIỆN", tuple(implementation)),
    )
    closing = (
        f"Trên đây là Kế hoạch {summary_line[:1].lower()}{summary_line[1:]} của {issuer.name}; "
        "các cơ quan, đơn vị căn cứ chức năng, nhiệm vụ triển khai thực hiện./."
    )
    return _Body("plan", "KH", "KẾ HOẠCH", summary_line, tuple(preamble), sections, closing)


# -- reports
RESULT_STATUS_WORDS = {
    "done": "Đã hoàn thành",
    "partly_done": "Hoàn thành một phần",
    "not_done": "Chưa thực hiện",
    "cancelled": "Không thực hiện (hủy bỏ)",
    "carried_over": "Chuyển sang năm sau",
}


def percent(value: float | None) -> str:
    """``93.8`` → ``93,8``; none → an en dash."""
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def figure(value: int | float | None, qualifier: str = "") -> str:
    """``trên 200``; a decimal with a comma (``12,5``); none → an en dash."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        whole, _, decimals = f"{value}".partition(".")
        text = f"{thousands(int(whole))},{decimals}"
    else:
        text = thousands(int(value))
    return f"{qualifier} {text}" if qualifier else text


def _paragraphs(text: str) -> tuple[Item, ...]:
    return tuple(Item(paragraph.strip()) for paragraph in text.split("\n") if paragraph.strip())


def _unbroken(number: str) -> str:
    """A number and symbol kept on one line (a word joiner after each slash: no break in ``01/KH-UBND``)."""
    return number.replace("/", "/\u2060")


def _report_body(content: ReportContent, issuer: BodyFace, name: Callable[[str], str], answering: str | None) -> _Body:
    """An issued report's (BÁO CÁO) body: the same layout as a plan's, with sections I–V of the
    Quảng Bình report and the results table (target, actual, completion).

    Its opening cites the letter it answers: ``answering``, the citation of the ministry's call the
    report is linked to ("Thực hiện Công văn số 3616/BTTTT-TTĐN ngày 06/10/2017 của Bộ Thông tin và
    Truyền thông"), wins; the drafter's free text ``replies_to`` is the fallback for a report linked
    to no call (one imported as history, or one whose drafter chose none); without either, the plan
    it reports on."""
    summary_line = _summary_line(content.title, "Báo cáo")
    preamble: list[str] = []
    if answering:
        preamble.append(f"{answering}, {issuer.name} báo cáo như sau:")
    elif content.replies_to:
        preamble.append(f"Thực hiện Công văn số {content.replies_to}, {issuer.name} báo cáo như sau:")
    else:
        preamble.append(
            f"{capitalise(issuer.name)} báo cáo kết quả thực hiện Kế hoạch số {_unbroken(content.plan_ref_number)} "
            f"(kỳ báo cáo từ ngày {short_date(content.period_start)} "
            f"đến ngày {short_date(content.period_end)}) như sau:"
            if content.plan_ref_number
            else f"{capitalise(issuer.name)} báo cáo như sau:"
        )

    situation = (
        *((Item("1. Thuận lợi", "subheading"), *_paragraphs(content.advantages)) if content.advantages else ()),
        *((Item("2. Khó khăn", "subheading"), *_paragraphs(content.difficulties)) if content.difficulties else ()),
    )
    results: list[Item] = []
    rows: list[tuple[str, ...]] = []
    for index, result in enumerate(content.results, start=1):
        heading = capitalise(result.title) + ("" if result.planned else " (ngoài kế hoạch)")
        results.append(Item(f"{index}. {heading}", "subheading"))
        if result.status:
            results.append(
                Item(f"Tình hình thực hiện: {RESULT_STATUS_WORDS.get(result.status, result.status)}.", "dash")
            )
        if result.lead_unit:
            results.append(Item(f"Đơn vị chủ trì: {name(result.lead_unit)}.", "dash"))
        for paragraph in _paragraphs(result.done):
            results.append(Item(paragraph.text, "dash"))
        if result.spent_vnd is not None:
            planned = f" / dự toán {vnd(result.budget_vnd)}" if result.budget_vnd else ""
            results.append(Item(f"Kinh phí đã sử dụng: {vnd(result.spent_vnd)}{planned}.", "dash"))
        for indicator in result.indicators:
            rows.append(
                (
                    f"{index}. {indicator.name}",
                    indicator.unit,
                    "–" if indicator.target is None else thousands(indicator.target),
                    figure(indicator.actual, indicator.qualifier),
                    percent(indicator.completion_pct),
                )
            )
    table = (
        Table(headers=("Hoạt động, chỉ tiêu", "Đơn vị tính", "Kế hoạch", "Thực hiện", "Tỷ lệ (%)"), rows=tuple(rows))
        if rows
        else None
    )
    if content.total_budget_vnd or content.total_spent_vnd:
        results.append(
            Item(
                f"Tổng kinh phí đã sử dụng: {vnd(content.total_spent_vnd)} "
                f"(dự toán theo Kế hoạch: {vnd(content.total_budget_vnd)})."
            )
        )
    assessment = (
        *((Item("1. Ưu điểm", "subheading"), *_paragraphs(content.strengths)) if content.strengths else ()),
        *((Item("2. Hạn chế", "subheading"), *_paragraphs(content.weaknesses)) if content.weaknesses else ()),
        *((Item("3. Nguyên nhân", "subheading"), *_paragraphs(content.causes)) if content.causes else ()),
    )
    sections = (
        Section("I. TÌNH HÌNH CHUNG", situation),
        Section("II. KẾT QUẢ THỰC HIỆN", tuple(results), table),
        Section("III. ĐÁNH GIÁ CHUNG", assessment),
        Section("IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TIẾP THEO", _paragraphs(content.directions)),
        Section("V. KIẾN NGHỊ, ĐỀ XUẤT", _paragraphs(content.proposals)),
    )
    closing = f"Trên đây là báo cáo {summary_line[:1].lower()}{summary_line[1:]} của {issuer.name}./."
    kept = tuple(section for section in sections if section.items or section.table)
    return _Body("report", "BC", "BÁO CÁO", summary_line, tuple(preamble), kept, closing, content.addressed_to)
