"""The lists the plan form offers: activity categories, indicator units, budget
sources. They are configuration with history (domain.md): the defaults match
the plans service's catalogue, and WEB_CATALOGUE_FILE (the same JSON format as
the plans service's PLANS_CATALOGUE file) replaces them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

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

DEFAULT_INDICATOR_UNITS: tuple[str, ...] = (
    "văn bản", "cuộc", "người", "lớp", "lượt người", "thông cáo", "tin, bài", "đoàn",
    "lượt phóng viên", "ngôn ngữ", "lượt truy cập", "kênh", "bài", "phút", "đầu ấn phẩm",
    "bản", "sự kiện", "cụm", "màn hình", "pano", "vụ", "triệu đồng", "chương trình",
    "chuyên mục", "cuốn", "đợt", "ngày",
)  # fmt: skip

BUDGET_SOURCES: dict[str, tuple[str, str]] = {
    "central": ("Ngân sách trung ương", "Central budget"),
    "provincial": ("Ngân sách tỉnh", "Provincial budget"),
    "other": ("Nguồn khác", "Other sources"),
}

PLAN_TYPES: dict[str, tuple[str, str]] = {
    "annual": ("Kế hoạch năm", "Annual plan"),
    "multi_year": ("Kế hoạch giai đoạn", "Multi-year plan"),
    "thematic": ("Kế hoạch chuyên đề", "Thematic plan"),
}


@dataclass(frozen=True)
class Catalogue:
    categories: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))
    indicator_units: tuple[str, ...] = DEFAULT_INDICATOR_UNITS
    budget_sources: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(BUDGET_SOURCES))
    plan_types: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(PLAN_TYPES))

    @classmethod
    def load(cls, path: str | None) -> Catalogue:
        if not path:
            return cls()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        default = cls()
        categories = default.categories
        if "categories" in data:
            categories = {key: (label["vi"], label["en"]) for key, label in data["categories"].items()}
        units = tuple(data.get("indicator_units", default.indicator_units))
        return cls(categories=categories, indicator_units=units)

    def label(self, table: str, key: str | None, locale: str) -> str:
        labels = getattr(self, table).get(key or "")
        if labels is None:
            return key or ""
        return labels[0] if locale == "vi" else labels[1]
