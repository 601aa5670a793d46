"""The reference lists a reviewer checks plans against: plan types, activity
categories and indicator units. They are configuration with history
(domain.md), so the defaults below can be replaced by a JSON file; nothing
else in the code names a category."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

PLAN_TYPES: tuple[str, ...] = ("annual", "multi_year", "thematic")
BUDGET_SOURCES: tuple[str, ...] = ("central", "provincial", "other")

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
        return cls(categories=categories, indicator_units=units)
