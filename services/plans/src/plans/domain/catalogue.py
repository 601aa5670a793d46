"""The reference lists a reviewer checks plans against: plan types, activity
categories and indicator units. They are configuration with history
(domain.md), so the defaults below can be replaced by a JSON file; nothing
else in the code names a category."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

# key -> (Vietnamese label, English label)
PLAN_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "annual": ("Kế hoạch năm", "Annual plan"),
    "multi_year": ("Kế hoạch giai đoạn", "Multi-year plan"),
    "thematic": ("Kế hoạch chuyên đề", "Thematic plan"),
}
BUDGET_SOURCE_LABELS: dict[str, tuple[str, str]] = {
    "central": ("Ngân sách trung ương", "Central budget"),
    "provincial": ("Ngân sách tỉnh", "Provincial budget"),
    "other": ("Nguồn khác", "Other sources"),
}
PLAN_TYPES: tuple[str, ...] = tuple(PLAN_TYPE_LABELS)
BUDGET_SOURCES: tuple[str, ...] = tuple(BUDGET_SOURCE_LABELS)

# key -> (Vietnamese label, English label); the catalogue of domain.md.
DEFAULT_CATEGORIES: dict[str, tuple[str, str]] = {
    "steering_documents": ("Văn bản chỉ đạo, hướng dẫn", "Steering documents"),
    "training": ("Tập huấn, bồi dưỡng", "Training"),
    "press": ("Họp báo, cung cấp thông tin cho báo chí", "Press conferences and information to the press"),
    "foreign_press": ("Đón tiếp phóng viên nước ngoài", "Foreign press delegations"),
    "publications": ("Xuất bản ấn phẩm", "Publications"),
    "radio_tv": ("Chương trình, chuyên mục phát thanh, truyền hình", "Radio and TV programmes and columns"),
    "online_media": ("Thông tin trên mạng, mạng xã hội", "Online and social media"),
    "exhibitions_events": ("Triển lãm, sự kiện", "Exhibitions and events"),
    "border_information": ("Cụm thông tin đối ngoại biên giới", "Border information clusters"),
    "promotion": ("Xúc tiến đầu tư, thương mại, du lịch", "Investment, trade and tourism promotion"),
    "foreign_cooperation": ("Hợp tác với địa phương nước ngoài", "Cooperation with foreign localities"),
    "rebuttal": ("Đấu tranh, phản bác thông tin sai lệch", "Rebuttal of misinformation"),
    "surveys_inspection": ("Khảo sát, kiểm tra", "Surveys and inspection"),
}

# Units as used in practice (domain.md's indicator catalogue, plus the few the seeds use).
DEFAULT_INDICATOR_UNITS: tuple[str, ...] = (
    "văn bản",
    "cuộc",
    "người",
    "lớp",
    "lượt người",
    "thông cáo",
    "tin, bài",
    "đoàn",
    "lượt phóng viên",
    "ngôn ngữ",
    "lượt truy cập",
    "kênh",
    "bài",
    "phút",
    "đầu ấn phẩm",
    "bản",
    "sự kiện",
    "cụm",
    "màn hình",
    "pano",
    "vụ",
    "triệu đồng",
    "chương trình",
    "chuyên mục",
    "cuốn",
    "đợt",
    "ngày",
)


AT_LEAST, AT_MOST = "at_least", "at_most"


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator of the catalogue: its labels, its unit and which way it counts. An ``at_most``
    indicator (money spent against the allocation) is achieved by staying under its target."""

    vi: str
    en: str
    unit: str
    group: str
    direction: str = AT_LEAST

    def to_document(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en, "unit": self.unit, "group": self.group, "direction": self.direction}


def _spec(group: str, vi: str, en: str, unit: str, direction: str = AT_LEAST) -> IndicatorSpec:
    return IndicatorSpec(vi=vi, en=en, unit=unit, group=group, direction=direction)


# code -> indicator: domain.md's indicator catalogue, as data (a catalogue file may replace it).
DEFAULT_INDICATORS: dict[str, IndicatorSpec] = {
    "steering.documents": _spec(
        "steering", "Văn bản chỉ đạo, hướng dẫn ban hành", "Steering documents issued", "văn bản"
    ),
    "steering.meetings": _spec("steering", "Cuộc họp Ban Chỉ đạo", "Steering committee meetings", "cuộc"),
    "steering.inspections": _spec("steering", "Cuộc kiểm tra", "Inspections", "cuộc"),
    "steering.committee_members": _spec("steering", "Thành viên Ban Chỉ đạo", "Steering committee members", "người"),
    "staffing.full_time": _spec("staffing", "Cán bộ chuyên trách TTĐN", "Full-time TTĐN staff", "người"),
    "staffing.part_time": _spec("staffing", "Cán bộ kiêm nhiệm TTĐN", "Part-time TTĐN staff", "người"),
    "staffing.spokespersons": _spec("staffing", "Người phát ngôn", "Spokespersons", "người"),
    "training.courses": _spec("training", "Lớp tập huấn, bồi dưỡng", "Training courses", "lớp"),
    "training.participants": _spec("training", "Lượt người được tập huấn", "Training participants", "lượt người"),
    "press.conferences": _spec("press", "Cuộc họp báo, cung cấp thông tin", "Press conferences", "cuộc"),
    "press.releases": _spec("press", "Thông cáo báo chí", "Press releases", "thông cáo"),
    "press.domestic_items": _spec("press", "Tin, bài trên báo chí trong nước", "Domestic press items", "tin, bài"),
    "foreign_press.delegations": _spec(
        "foreign_press", "Đoàn phóng viên nước ngoài được đón tiếp", "Foreign press delegations received", "đoàn"
    ),
    "foreign_press.reporters": _spec(
        "foreign_press", "Lượt phóng viên nước ngoài", "Foreign reporters received", "lượt phóng viên"
    ),
    "foreign_press.items": _spec(
        "foreign_press", "Tin, bài trên báo chí nước ngoài", "Foreign press items", "tin, bài"
    ),
    "online.languages": _spec("online", "Phiên bản ngôn ngữ nước ngoài", "Foreign-language versions", "ngôn ngữ"),
    "online.items": _spec("online", "Tin, bài đăng trực tuyến", "Online items", "tin, bài"),
    "online.visits": _spec("online", "Lượt truy cập", "Visits", "lượt truy cập"),
    "online.channels": _spec("online", "Kênh mạng xã hội", "Social media channels", "kênh"),
    "online.posts": _spec("online", "Bài đăng mạng xã hội", "Social media posts", "bài"),
    "online.video_minutes": _spec("online", "Thời lượng video", "Video", "phút"),
    "broadcast.programmes": _spec(
        "broadcast", "Chương trình, chuyên mục phát thanh, truyền hình", "Radio and TV programmes", "chương trình"
    ),
    "publications.titles": _spec("publications", "Đầu ấn phẩm", "Publication titles", "đầu ấn phẩm"),
    "publications.copies": _spec("publications", "Bản ấn phẩm", "Publication copies", "bản"),
    "events.promotion": _spec("events", "Sự kiện quảng bá", "Promotion events", "sự kiện"),
    "events.exhibitions": _spec("events", "Cuộc triển lãm", "Exhibitions", "cuộc"),
    "events.visitors": _spec("events", "Lượt khách tham quan", "Visitors", "lượt người"),
    "border.clusters": _spec("border", "Cụm thông tin đối ngoại", "Border information clusters", "cụm"),
    "border.led_screens": _spec("border", "Màn hình LED", "LED screens", "màn hình"),
    "border.billboards": _spec("border", "Pano", "Billboards", "pano"),
    "rebuttal.cases": _spec("rebuttal", "Vụ việc được xử lý", "Cases handled", "vụ"),
    "rebuttal.items": _spec("rebuttal", "Tin, bài đấu tranh, phản bác", "Rebuttal items", "tin, bài"),
    "budget.allocated": _spec("budget", "Kinh phí được cấp", "Budget allocated", "triệu đồng"),
    "budget.spent": _spec("budget", "Kinh phí đã sử dụng", "Budget spent", "triệu đồng", AT_MOST),
}


@dataclass(frozen=True)
class Catalogue:
    categories: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    indicator_units: frozenset[str] = frozenset(DEFAULT_INDICATOR_UNITS)
    indicators: dict[str, IndicatorSpec] = field(default_factory=lambda: dict(DEFAULT_INDICATORS))

    def direction_of(self, code: str) -> str:
        """How the indicator counts: ``at_most`` when its catalogue entry says so, else ``at_least``
        (free-text indicators included)."""
        spec = self.indicators.get(code) if code else None
        return spec.direction if spec else AT_LEAST

    @classmethod
    def from_file(cls, path: str | Path) -> Catalogue:
        """``{"categories": {"training": {"vi": "...", "en": "..."}}, "indicator_units": ["người", ...]}``;
        a key that is absent keeps its default."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        default = cls()
        categories = default.categories
        if "categories" in data:
            categories = {key: (label["vi"], label["en"]) for key, label in data["categories"].items()}
        units = frozenset(data["indicator_units"]) if "indicator_units" in data else default.indicator_units
        indicators = default.indicators
        if "indicators" in data:
            indicators = {
                code: IndicatorSpec(
                    vi=spec["vi"],
                    en=spec["en"],
                    unit=spec["unit"],
                    group=spec.get("group", code.split(".", 1)[0]),
                    direction=spec.get("direction", AT_LEAST),
                )
                for code, spec in data["indicators"].items()
            }
        return cls(
            categories=categories,
            indicator_units=units | {spec.unit for spec in indicators.values()},
            indicators=indicators,
        )

    def to_document(self) -> dict[str, object]:
        """The catalogue as the plan form offers it (the web interface reads it from here)."""

        def labelled(table: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
            return {key: {"vi": vi, "en": en} for key, (vi, en) in table.items()}

        return {
            "plan_types": labelled(PLAN_TYPE_LABELS),
            "categories": labelled(self.categories),
            "budget_sources": labelled(BUDGET_SOURCE_LABELS),
            "indicator_units": sorted(self.indicator_units, key=str.casefold),
            "indicators": {code: spec.to_document() for code, spec in self.indicators.items()},
        }
