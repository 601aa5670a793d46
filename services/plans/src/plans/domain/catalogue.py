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


@dataclass(frozen=True)
class Catalogue:
    categories: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    indicator_units: frozenset[str] = frozenset(DEFAULT_INDICATOR_UNITS)
    # The indicator codes the national overview leads with (its headline indicators), in order.
    headline_indicators: tuple[str, ...] = ()

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
        headline = tuple(str(code) for code in data.get("headline_indicators") or ())
        return cls(categories=categories, indicator_units=units, headline_indicators=headline)

    def to_document(self) -> dict[str, object]:
        """The catalogue as the plan form offers it (the web interface reads it from here)."""

        def labelled(table: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
            return {key: {"vi": vi, "en": en} for key, (vi, en) in table.items()}

        return {
            "plan_types": labelled(PLAN_TYPE_LABELS),
            "categories": labelled(self.categories),
            "budget_sources": labelled(BUDGET_SOURCE_LABELS),
            "indicator_units": sorted(self.indicator_units, key=str.casefold),
        }
