"""The Cao Bằng 2024 plan of the seed scenario (seeds/000: border training of
200+ participants, the Thác Bản Giốc information cluster with 12 programmes a
year, 48 radio and TV columns), as a drafter types it into the form."""

from __future__ import annotations

TITLE = "Kế hoạch hoạt động thông tin đối ngoại năm 2024"

ACTIVITIES = [
    {
        "title": "Tập huấn nghiệp vụ thông tin đối ngoại cho cán bộ khu vực biên giới",
        "category": "training",
        "lead_unit": "svhttdl-cao-bang",
        "partner_units": "ban-tuyen-giao-cao-bang, bdbp-cao-bang",
        "start_date": "2024-03-01",
        "end_date": "2024-09-30",
        "budget_vnd": "150.000.000",
        "budget_source": "provincial",
        "indicators": [("Người tham gia", "người", "200")],
    },
    {
        "title": "Duy trì Cụm thông tin đối ngoại Thác Bản Giốc",
        "category": "border_information",
        "lead_unit": "svhttdl-cao-bang",
        "partner_units": "bdbp-cao-bang, dai-ptth-cao-bang",
        "start_date": "2024-01-15",
        "end_date": "2024-12-15",
        "budget_vnd": "1.350.000.000",
        "budget_source": "central",
        "indicators": [("Chương trình phát trên cụm", "chương trình", "12")],
    },
]


def plan_form(activities: list[dict] | None = None, **overrides: str) -> list[tuple[str, str]]:
    """The form fields as the browser posts them, rows in page order."""
    fields = [
        ("title", overrides.get("title", TITLE)),
        ("plan_type", "annual"),
        ("year", overrides.get("year", "2024")),
        ("org_unit", overrides.get("org_unit", "svhttdl-cao-bang")),
        (
            "summary",
            overrides.get("summary", "Chủ động cung cấp thông tin chính thống về Cao Bằng cho bạn bè quốc tế."),
        ),
        ("lb-0-reference", "57-KL/TW"),
        ("lb-0-issued_on", "2023-06-15"),
        ("lb-0-issuer", "Bộ Chính trị"),
        ("lb-0-title", "về tiếp tục nâng cao chất lượng, hiệu quả công tác thông tin đối ngoại trong tình hình mới"),
        ("recipients", "Bộ Văn hóa, Thể thao và Du lịch;\nThường trực Tỉnh ủy;\nCác sở, ban, ngành tỉnh"),
    ]
    for key, activity in enumerate(ACTIVITIES if activities is None else activities):
        for name, value in activity.items():
            if name != "indicators":
                fields.append((f"act-{key}-{name}", value))
        for index, (name, unit, target) in enumerate(activity.get("indicators", [])):
            fields += [
                (f"act-{key}-ind-{index}-name", name),
                (f"act-{key}-ind-{index}-unit", unit),
                (f"act-{key}-ind-{index}-target", target),
            ]
    return fields
