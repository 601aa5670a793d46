"""Sample plans built from the facts of five published articles and reports on
the TTĐN work of Cao Bằng, Bắc Kạn, Kon Tum, Lạng Sơn and Quảng Bình: one per
province, plus a Cao Bằng draft, in varied states. Not part of the product: the
tests, the benchmarks and ``make run`` (through ``demo_data.py``) use them.

They are loaded through the service's own use cases: the drafter creates and
submits, and the approval chain's progress is replayed by calling the same
handlers the consumer calls, with the facts the approvals service would send
(that service cannot be called from here). The plan.submitted events the
submissions record still go through the outbox like any other.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import click
from plans.adapters.repository import PlanQuery
from plans.domain import commands
from plans.domain.access import Actor
from plans.domain.model import Plan
from plans.views import get_plan, list_plans
from servicekit.messagebus import MessageBus

DEMO_NAMESPACE = uuid.UUID("6f1d3c52-5a0e-4c7b-9a51-2b7e8f0d4c11")

LEVELS: dict[int, tuple[str, dict[str, str]]] = {
    1: ("dept", {"vi": "Lãnh đạo Sở", "en": "Department leadership"}),
    2: ("province", {"vi": "UBND tỉnh", "en": "Provincial People's Committee"}),
    3: ("ministry", {"vi": "Bộ Văn hóa, Thể thao và Du lịch", "en": "Ministry of Culture, Sports and Tourism"}),
}

KL57 = {
    "reference": "57-KL/TW",
    "issued_on": "2023-06-15",
    "issuer": "Bộ Chính trị",
    "title": "Kết luận về tiếp tục nâng cao chất lượng, hiệu quả công tác thông tin đối ngoại trong tình hình mới",
    "document_type": "Kết luận",
    "number": "57-KL/TW",
    "summary": "về tiếp tục nâng cao chất lượng, hiệu quả công tác thông tin đối ngoại trong tình hình mới",
}
ND72 = {
    "reference": "72/2015/NĐ-CP",
    "issued_on": "2015-09-07",
    "issuer": "Chính phủ",
    "title": "Nghị định về quản lý hoạt động thông tin đối ngoại",
    "document_type": "Nghị định",
    "number": "72/2015/NĐ-CP",
    "summary": "về quản lý hoạt động thông tin đối ngoại",
}
KL16 = {
    "reference": "16-KL/TW",
    "issued_on": "2012-02-14",
    "issuer": "Bộ Chính trị",
    "title": "Kết luận về Chiến lược phát triển thông tin đối ngoại giai đoạn 2011 – 2020",
    "document_type": "Kết luận",
    "number": "16-KL/TW",
    "summary": "về Chiến lược phát triển thông tin đối ngoại giai đoạn 2011 – 2020",
}


def _activity(
    title: str,
    category: str,
    lead: str,
    start: str,
    end: str,
    budget: int,
    indicators: list[tuple[str, str, int]],
    partners: tuple[str, ...] = (),
    content: str = "",
) -> dict[str, Any]:
    return {
        "title": title,
        "category": category,
        "lead_unit": lead,
        "partner_units": list(partners),
        "start_date": start,
        "end_date": end,
        "budget_vnd": budget,
        "content": content,
        "indicators": [{"name": name, "unit": unit, "target": target} for name, unit, target in indicators],
    }


CAO_BANG_2024: dict[str, Any] = {
    "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2024",
    "plan_type": "annual",
    "year": 2024,
    "org_unit": "svhttdl-cao-bang",
    "summary": (
        "Mục đích, yêu cầu: thông tin kịp thời, chính xác về tỉnh Cao Bằng đến bạn bè trong nước và quốc tế; "
        "quảng bá tiềm năng, thế mạnh, nét đẹp văn hóa truyền thống của tỉnh; phục vụ hợp tác với các huyện, "
        "thành phố của tỉnh Quảng Tây (Trung Quốc); nâng cao năng lực cán bộ làm công tác thông tin đối "
        "ngoại khu vực biên giới."
    ),
    "legal_bases": [KL57, ND72],
    "activities": [
        _activity(
            "Tập huấn nghiệp vụ thông tin đối ngoại cho cán bộ khu vực biên giới",
            "training",
            "svhttdl-cao-bang",
            "2024-03-01",
            "2024-09-30",
            150_000_000,
            [("Số người tham gia", "người", 200), ("Số lớp", "lớp", 1)],
            partners=("ban-tuyen-giao-cao-bang",),
        ),
        _activity(
            "Tin, bài, ảnh về hoạt động đối ngoại và kinh tế đối ngoại trên Báo Cao Bằng",
            "press",
            "bao-cao-bang",
            "2024-01-01",
            "2024-12-31",
            270_000_000,
            [("Tin, bài, ảnh", "tin, bài", 900)],
        ),
        _activity(
            "Chuyên mục phát thanh, truyền hình tuyên truyền thông tin đối ngoại",
            "radio_tv",
            "dai-ptth-cao-bang",
            "2024-01-01",
            "2024-12-31",
            192_000_000,
            [("Chuyên mục", "chuyên mục", 48)],
        ),
        _activity(
            "Duy trì nội dung tuyên truyền trên Cụm thông tin đối ngoại Thác Bản Giốc",
            "border_information",
            "svhttdl-cao-bang",
            "2024-01-01",
            "2024-12-31",
            60_000_000,
            [("Chương trình", "chương trình", 12)],
            partners=("bdbp-cao-bang", "dai-ptth-cao-bang"),
        ),
        _activity(
            (
                "Triển lãm Bản đồ và trưng bày tư liệu Hoàng Sa, Trường Sa của Việt Nam - Những bằng chứng lịch "
                "sử và pháp lý"
            ),
            "exhibitions_events",
            "svhttdl-cao-bang",
            "2024-10-01",
            "2024-10-31",
            120_000_000,
            [("Triển lãm", "cuộc", 1)],
        ),
    ],
    "recipients": [
        "Bộ Văn hóa, Thể thao và Du lịch",
        "Thường trực Tỉnh ủy",
        "Chủ tịch, các Phó Chủ tịch UBND tỉnh",
        "Ban Tuyên giáo Tỉnh ủy",
        "Các sở, ban, ngành tỉnh",
    ],
}

CAO_BANG_2025_BAN_GIOC: dict[str, Any] = {
    "title": "Kế hoạch tuyên truyền trên Cụm thông tin đối ngoại Thác Bản Giốc năm 2025",
    "plan_type": "thematic",
    "year": 2025,
    "org_unit": "svhttdl-cao-bang",
    "summary": (
        "Phục vụ khách du lịch và nhân dân xã Đàm Thủy, huyện Trùng Khánh; phối hợp Bộ đội Biên phòng "
        "tỉnh và Đài PT-TH Cao Bằng theo quy chế đã ký kết."
    ),
    "legal_bases": [KL57],
    "activities": [
        _activity(
            "Chương trình phát trên Cụm thông tin đối ngoại Thác Bản Giốc",
            "border_information",
            "svhttdl-cao-bang",
            "2025-01-01",
            "2025-12-31",
            60_000_000,
            [("Chương trình", "chương trình", 12)],
            partners=("bdbp-cao-bang",),
        ),
    ],
}

BAC_KAN_2020: dict[str, Any] = {
    "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2020",
    "plan_type": "annual",
    "year": 2020,
    "org_unit": "svhttdl-thai-nguyen-2025",
    "summary": (
        "Thực hiện Kế hoạch thông tin đối ngoại năm 2020 của UBND tỉnh theo hướng dẫn của Bộ Thông tin "
        "và Truyền thông; cung cấp đầy đủ thông tin về tỉnh Bắc Kạn cho cơ quan thông tấn, báo chí."
    ),
    "legal_bases": [
        ND72,
        {
            "reference": "213/KH-STTTT",
            "issued_on": "2020-02-28",
            "issuer": "Sở Thông tin và Truyền thông tỉnh Bắc Kạn",
            "title": "Kế hoạch về hoạt động thông tin đối ngoại năm 2020",
        },
        {
            "reference": "214/KH-STTTT",
            "issued_on": "2020-02-28",
            "issuer": "Sở Thông tin và Truyền thông tỉnh Bắc Kạn",
            "title": "Kế hoạch tổ chức Hội nghị tập huấn công tác thông tin đối ngoại năm 2020",
        },
        {
            "reference": "215/KH-STTTT",
            "issued_on": "2020-02-28",
            "issuer": "Sở Thông tin và Truyền thông tỉnh Bắc Kạn",
            "title": "Kế hoạch tuyên truyền, quảng bá hình ảnh tỉnh Bắc Kạn năm 2020",
        },
    ],
    "activities": [
        _activity(
            "Hội nghị cung cấp thông tin cho báo chí",
            "press",
            "svhttdl-thai-nguyen-2025",
            "2020-03-01",
            "2020-12-15",
            60_000_000,
            [("Hội nghị cung cấp thông tin", "cuộc", 6), ("Họp báo", "cuộc", 1)],
            # The seed names Bắc Kạn's Ban Tuyên giáo as partner; it ended with the province in 2025 and a
            # plan drafted today cannot name it (the seeds' issued documents are history, not re-enacted).
            partners=(),
        ),
        _activity(
            "Hội nghị tập huấn công tác thông tin đối ngoại năm 2020",
            "training",
            "svhttdl-thai-nguyen-2025",
            "2020-06-01",
            "2020-08-31",
            80_000_000,
            [("Số người tham gia", "người", 100)],
        ),
        _activity(
            "Triển lãm Hoàng Sa, Trường Sa của Việt Nam - Những bằng chứng lịch sử và pháp lý tại huyện Pác Nặm",
            "exhibitions_events",
            "svhttdl-thai-nguyen-2025",
            "2020-10-15",
            "2020-10-17",
            90_000_000,
            [("Lượt người tham quan", "lượt người", 1850), ("Số ngày trưng bày", "ngày", 3)],
        ),
        _activity(
            "Tiếp nhận, xử lý thông tin báo chí phản ánh",
            "rebuttal",
            "svhttdl-thai-nguyen-2025",
            "2020-01-01",
            "2020-12-31",
            0,
            [("Tin, bài được xử lý", "tin, bài", 51)],
        ),
    ],
    "recipients": ["Bộ Thông tin và Truyền thông", "UBND tỉnh Bắc Kạn"],
}

KON_TUM_2023: dict[str, Any] = {
    "title": "Kế hoạch công tác thông tin đối ngoại tỉnh Kon Tum năm 2023",
    "plan_type": "annual",
    "year": 2023,
    "org_unit": "svhttdl-quang-ngai-2025",
    "summary": (
        "Tỉnh biên giới ở ngã ba Đông Dương: tuyên truyền biển, đảo và công tác quản lý biên giới trên "
        "đất liền; tạo điều kiện cho báo chí trong và ngoài nước tác nghiệp; giao lưu văn hóa Việt Nam - "
        "Lào - Campuchia."
    ),
    "legal_bases": [
        {
            "reference": "01/2013/CT-UBND",
            "issued_on": "2013-07-23",
            "issuer": "UBND tỉnh Kon Tum",
            "title": (
                "Chỉ thị về tăng cường công tác thông tin đối ngoại trên địa bàn tỉnh Kon Tum giai đoạn 2013 – 2020"
            ),
        },
        {
            "reference": "371/KH-UBND",
            "issued_on": "2023-02-16",
            "issuer": "UBND tỉnh Kon Tum",
            "title": "Kế hoạch về công tác thông tin đối ngoại tỉnh Kon Tum năm 2023",
        },
        KL57,
    ],
    "activities": [
        _activity(
            "Tuyên truyền biển, đảo và công tác quản lý biên giới trên đất liền",
            "online_media",
            "svhttdl-quang-ngai-2025",
            "2023-03-01",
            "2023-12-31",
            100_000_000,
            [("Tin, bài", "tin, bài", 120)],
            partners=(),  # the seed: Kon Tum's border guard, which ended with the province in 2025
        ),
        _activity(
            "Giao lưu văn hóa Việt Nam - Lào - Campuchia",
            "foreign_cooperation",
            "svhttdl-quang-ngai-2025",
            "2023-05-01",
            "2023-11-30",
            200_000_000,
            [("Sự kiện", "sự kiện", 1)],
        ),
    ],
    "recipients": ["Bộ Thông tin và Truyền thông", "Thường trực Tỉnh ủy Kon Tum"],
}

LANG_SON_2018: dict[str, Any] = {
    "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2018",
    "plan_type": "annual",
    "year": 2018,
    "org_unit": "svhttdl-lang-son",
    "summary": (
        "Triển khai đồng bộ công tác thông tin đối ngoại; tuyên truyền chủ trương, đường lối đối ngoại "
        "của Đảng và Nhà nước; thu hút phóng viên nước ngoài tác nghiệp trên địa bàn tỉnh."
    ),
    "legal_bases": [KL16, ND72],
    "activities": [
        _activity(
            "Hội nghị báo cáo viên cấp tỉnh định kỳ",
            "press",
            "ban-tuyen-giao-lang-son",
            "2018-01-15",
            "2018-12-15",
            90_000_000,
            [("Hội nghị", "cuộc", 6)],
        ),
        _activity(
            "Phát hành Bản tin thông báo nội bộ dùng cho sinh hoạt chi bộ",
            "publications",
            "ban-tuyen-giao-lang-son",
            "2018-01-01",
            "2018-12-31",
            230_000_000,
            [("Số cuốn", "cuốn", 45982)],
        ),
        _activity(
            "Công văn định hướng tuyên truyền thông tin đối ngoại",
            "steering_documents",
            "svhttdl-lang-son",
            "2018-01-01",
            "2018-12-31",
            0,
            [("Văn bản", "văn bản", 10)],
        ),
    ],
}

QUANG_BINH_2017: dict[str, Any] = {
    "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2017",
    "plan_type": "annual",
    "year": 2017,
    "org_unit": "svhttdl-quang-tri-2025",
    "summary": (
        "Thực hiện Kết luận số 16-KL/TW; quảng bá hình ảnh Quảng Bình, Vườn Quốc gia Phong Nha - Kẻ "
        "Bàng; cung cấp thông tin cho đồng bào vùng biên giới qua Cụm thông tin đối ngoại cửa khẩu Quốc "
        "tế Cha Lo."
    ),
    "legal_bases": [KL16, ND72],
    "activities": [
        _activity(
            "Quản lý, vận hành Cụm thông tin đối ngoại cửa khẩu Quốc tế Cha Lo",
            "border_information",
            "svhttdl-quang-tri-2025",
            "2017-01-01",
            "2017-12-31",
            80_000_000,
            [("Cụm thông tin", "cụm", 1)],
            partners=(),  # the seed: Quảng Bình's border guard, which ended with the province in 2025
        ),
        _activity(
            "Đón tiếp, quản lý đoàn phóng viên nước ngoài đến hoạt động tại tỉnh",
            "foreign_press",
            "svhttdl-quang-tri-2025",  # the seed: Quảng Bình's Sở Ngoại vụ, which ended with the province in 2025
            "2017-01-01",
            "2017-12-31",
            150_000_000,
            [("Đoàn phóng viên", "đoàn", 7), ("Lượt phóng viên", "lượt phóng viên", 72)],
        ),
    ],
}


# Quảng Bình's 2017 plan, reconstructed from its 2017 year-end report (seed 004) with the units of the
# day: what the report says was done (the 15-member steering committee, the Cha Lo border-gate
# information cluster, the foreign press delegations, the Hoàng Sa - Trường Sa exhibition, three
# promotional publications) becomes what was planned. Written with today's unit, like every sample
# body; HISTORY imports it with Quảng Bình's Sở TTTT of 2017 (partners the seed does not tie to an
# activity are left out). Kept apart from QUANG_BINH_2017 above, which is
# today's Quảng Trị drafting a 2017 plan and stays submitted for the tests. The seed gives the plan's
# money no figure ("chủ yếu lồng ghép trong các chương trình, nhiệm vụ chuyên môn"), so none is planned.
QUANG_BINH_2017_HISTORY: dict[str, Any] = {
    "title": "Kế hoạch hoạt động thông tin đối ngoại tỉnh Quảng Bình năm 2017",
    "plan_type": "annual",
    "year": 2017,
    "org_unit": "svhttdl-quang-tri-2025",
    "summary": (
        "Thực hiện Kết luận số 16-KL/TW; quảng bá hình ảnh Quảng Bình, Vườn Quốc gia Phong Nha - Kẻ Bàng, "
        "tiềm năng đầu tư và du lịch của tỉnh; cung cấp thông tin cho đồng bào vùng biên giới qua Cụm "
        "thông tin đối ngoại cửa khẩu Quốc tế Cha Lo."
    ),
    "legal_bases": [KL16, ND72],
    "activities": [
        _activity(
            "Kiện toàn Ban Chỉ đạo công tác thông tin đối ngoại tỉnh",
            "steering_documents",
            "svhttdl-quang-tri-2025",
            "2017-01-01",
            "2017-12-31",
            0,
            [("Thành viên Ban Chỉ đạo", "người", 15)],
        ),
        _activity(
            "Quản lý, vận hành Cụm thông tin đối ngoại cửa khẩu Quốc tế Cha Lo",
            "border_information",
            "svhttdl-quang-tri-2025",
            "2017-01-01",
            "2017-12-31",
            0,
            [("Cụm thông tin", "cụm", 1)],
        ),
        _activity(
            "Đón tiếp, quản lý đoàn phóng viên nước ngoài đến hoạt động tại tỉnh",
            "foreign_press",
            "svhttdl-quang-tri-2025",
            "2017-01-01",
            "2017-12-31",
            0,
            [("Đoàn phóng viên", "đoàn", 7), ("Lượt phóng viên", "lượt phóng viên", 72)],
        ),
        _activity(
            "Triển lãm bản đồ và trưng bày tư liệu “Hoàng Sa, Trường Sa của Việt Nam - Những bằng chứng "
            "lịch sử và pháp lý”",
            "exhibitions_events",
            "svhttdl-quang-tri-2025",
            "2017-06-16",
            "2017-06-20",
            0,
            [("Triển lãm", "cuộc", 1)],
        ),
        _activity(
            "Sản xuất ấn phẩm phục vụ công tác đối ngoại và xúc tiến đầu tư",
            "publications",
            "svhttdl-quang-tri-2025",
            "2017-01-01",
            "2017-12-31",
            0,
            [("Ấn phẩm", "đầu ấn phẩm", 3)],
        ),
    ],
    "recipients": ["Bộ Thông tin và Truyền thông", "Sở Thông tin và Truyền thông"],
}

# Quảng Bình's 2017 year-end report (seed 004), with its real figures, on the plan above: by activity title,
# status, what was done, money spent (none: the seed gives no figure), each indicator's (actual, qualifier);
# then what was done that the plan did not hold; the recipients as in the seed ("Lưu: VT, VX." is the
# issuing body's practice, configured with it).
QUANG_BINH_2017_REPORT: dict[str, Any] = {
    "replies_to": "3616/BTTTT-TTĐN ngày 06/10/2017",
    "advantages": (
        "Đảng, Nhà nước, Chính phủ, Bộ Thông tin và Truyền thông và tỉnh Quảng Bình đặc biệt quan tâm công tác "
        "thông tin đối ngoại; nhận thức của cán bộ, công chức, viên chức về vị trí, vai trò của thông tin đối "
        "ngoại được nâng lên; các sở, ban, ngành, địa phương đã thiết lập cổng/trang thông tin điện tử."
    ),
    "difficulties": (
        "Đội ngũ cán bộ chuyên trách còn thiếu, chủ yếu kiêm nhiệm; sự phối hợp giữa các cơ quan chưa chặt chẽ; "
        "cơ chế chính sách, kinh phí còn hạn chế, chủ yếu lồng ghép trong nhiệm vụ chuyên môn."
    ),
    "strengths": (
        "Hoạt động thông tin đối ngoại bước đầu được quan tâm triển khai; công tác tuyên truyền, quảng bá, giới "
        "thiệu thu hút đầu tư góp phần phát triển kinh tế - xã hội, đảm bảo an ninh - quốc phòng của tỉnh."
    ),
    "weaknesses": (
        "Chưa có định biên cán bộ chuyên trách; ấn phẩm ít bài tổng hợp, dự báo, có chiều sâu; rất ít chương "
        "trình có phiên bản tiếng nước ngoài; hợp tác với báo, đài trung ương chưa thường xuyên."
    ),
    "causes": "Thiếu cán bộ chuyên trách và kinh phí riêng cho thông tin đối ngoại.",
    "directions": (
        "Ban hành Quy chế quản lý nhà nước về thông tin đối ngoại tỉnh Quảng Bình; xây dựng Kế hoạch công tác "
        "thông tin đối ngoại năm 2018; tập huấn nghiệp vụ; đẩy mạnh tuyên truyền qua báo chí và các đoàn ra, "
        "đoàn vào; tiếp tục quản lý, vận hành Cụm thông tin đối ngoại cửa khẩu Quốc tế Cha Lo."
    ),
    "proposals": (
        "Đề nghị Bộ Thông tin và Truyền thông thường xuyên chỉ đạo, hướng dẫn; tiếp tục đào tạo, bồi dưỡng nghiệp "
        "vụ cho cán bộ chuyên trách ở địa phương; hỗ trợ một phần kinh phí cho các chương trình, đề án."
    ),
    "addressed_to": ["Bộ Thông tin và Truyền thông"],
    "recipients": [
        "Bộ Thông tin và Truyền thông",
        "CT, các PCT UBND tỉnh",
        "Sở Thông tin và Truyền thông",
        "LĐ VP UBND tỉnh",
    ],
    "results": {
        "Kiện toàn Ban Chỉ đạo công tác thông tin đối ngoại tỉnh": (
            "done",
            "Tỉnh ủy thành lập Ban Chỉ đạo công tác thông tin đối ngoại tỉnh gồm 15 đồng chí, do Trưởng Ban Tuyên "
            "giáo Tỉnh ủy làm Trưởng Ban; Ban Tuyên giáo Tỉnh ủy là cơ quan thường trực.",
            None,
            [(15, "")],
        ),
        "Quản lý, vận hành Cụm thông tin đối ngoại cửa khẩu Quốc tế Cha Lo": (
            "done",
            "Quản lý, vận hành ổn định Cụm thông tin đối ngoại Cửa khẩu Quốc tế Cha Lo do Bộ Thông tin và Truyền "
            "thông đầu tư xây dựng.",
            None,
            [(1, "")],
        ),
        "Đón tiếp, quản lý đoàn phóng viên nước ngoài đến hoạt động tại tỉnh": (
            "done",
            "Tạo điều kiện cho 7 đoàn phóng viên nước ngoài với 72 lượt phóng viên đến hoạt động tại tỉnh (TV "
            "Tokyo, Sony PLC, BBC, Woody World, France Télévisions, ADB).",
            None,
            [(7, ""), (72, "")],
        ),
        "Triển lãm bản đồ và trưng bày tư liệu “Hoàng Sa, Trường Sa của Việt Nam - Những bằng chứng lịch sử "
        "và pháp lý”": (
            "done",
            "Phối hợp với Bộ Thông tin và Truyền thông tổ chức triển lãm từ ngày 16 đến 20/6/2017 tại Bảo tàng Tổng "
            "hợp tỉnh Quảng Bình.",
            None,
            [(1, "")],
        ),
        "Sản xuất ấn phẩm phục vụ công tác đối ngoại và xúc tiến đầu tư": (
            "done",
            "Danh mục các dự án kêu gọi đầu tư vào lĩnh vực du lịch; Quảng Bình – Tiềm năng và cơ hội đầu tư; "
            "Quảng Bình đánh thức tiềm năng.",
            None,
            [(3, "")],
        ),
    },
    "extra": [
        {
            "planned": False,
            "title": "Tuyên truyền du lịch Quảng Bình trên đặc san song ngữ APEC Việt Nam 2017 của Báo Thế giới và "
            "Việt Nam",
            "category": "promotion",
            "lead_unit": "stttt-quang-binh",
            "status": "done",
            "done": "Nội dung tuyên truyền về du lịch Quảng Bình đăng trên đặc san song ngữ APEC Việt Nam 2017.",
            "indicators": [],
        }
    ],
}


def history_report_body(plan_id: str, activities: list[dict[str, Any]], sample: dict[str, Any]) -> dict[str, Any]:
    """The content of an issued report to import (``kind`` report) on the plan ``plan_id`` whose
    activities (its content's, as stored or as the API shows them) are given: ``sample``'s texts and,
    per activity by title, its results, keyed as the suite keys them (the activity's id, else its place)."""
    results: list[dict[str, Any]] = []
    for index, activity in enumerate(activities, start=1):
        status, done, spent, actuals = sample["results"].get(activity["title"], ("not_done", "", None, []))
        results.append(
            {
                "activity_id": activity.get("id") or f"#{index}",
                "status": status,
                "done": done,
                "spent_vnd": spent,
                "indicators": [{"actual": actual, "qualifier": qualifier} for actual, qualifier in actuals],
            }
        )
    texts = {key: value for key, value in sample.items() if key not in ("results", "extra")}
    return {"kind": "annual", "plan_ref": plan_id, **texts, "results": [*results, *sample.get("extra", [])]}


def _as_drafted_by(template: dict[str, Any], units: dict[str, str]) -> dict[str, Any]:
    """A sample body with the units of the day it was issued (today's ids replaced)."""
    import json

    text = json.dumps(template, ensure_ascii=False)
    for today, then in units.items():
        text = text.replace(f'"{today}"', f'"{then}"')
    return json.loads(text)


# The seeds' issued documents, imported as history with their real numbers and dates (not re-enacted:
# they take no number from the register). Who signed them the seeds do not say, so no signer is given.
HISTORY: list[dict[str, Any]] = [
    {
        "kind": "plan",
        # seed 001: "Kế hoạch số 213/KH-STTTT ngày 28/02/2020 về hoạt động thông tin đối ngoại năm 2020"
        "content": _as_drafted_by(BAC_KAN_2020, {"svhttdl-thai-nguyen-2025": "stttt-bac-kan"}),
        "document_number": "213/KH-STTTT",
        "issued_on": "2020-02-28",
        "issuer": "stttt-bac-kan",
    },
    {
        "kind": "plan",
        # seed 002: "Kế hoạch số 371/KH-UBND ngày 16/2/2023 của UBND tỉnh về công tác thông tin đối ngoại"
        "content": _as_drafted_by(KON_TUM_2023, {"svhttdl-quang-ngai-2025": "stttt-kon-tum"}),
        "document_number": "371/KH-UBND",
        "issued_on": "2023-02-16",
        "issuer": "ubnd-kon-tum",
    },
    {
        "kind": "plan",
        # Reconstructed from seed 004, which names no 2017 plan: no number (never made up), dated by the
        # first day of the year it plans (the seed gives no date either).
        "content": _as_drafted_by(QUANG_BINH_2017_HISTORY, {"svhttdl-quang-tri-2025": "stttt-quang-binh"}),
        "document_number": None,
        "issued_on": "2017-01-01",
        "issuer": "ubnd-quang-binh",
    },
]

# The seeds' issued reports, imported as history on the plan of HISTORY they report on (by its title).
# Seed 004 shows neither the report's number nor its date: it is imported without a number and dated by
# the end of its reporting period (Decree 09/2019's cut-off, 14/12/2017); no signer is given.
REPORT_HISTORY: list[dict[str, Any]] = [
    {
        "plan_title": QUANG_BINH_2017_HISTORY["title"],
        "sample": QUANG_BINH_2017_REPORT,
        "document_number": None,
        "issued_on": "2017-12-14",
        "issuer": "ubnd-quang-binh",
    },
]


def load_sample_history(bus: MessageBus) -> list[Plan]:
    """Import the seeds' issued documents as history (by ``admin``), once; returns those imported."""
    admin = Actor(username="admin", roles=frozenset({"admin"}))
    existing, _ = list_plans(PlanQuery(status="approved", limit=200), admin, bus.uow())
    known = {(plan.document_number, plan.title) for plan in existing}
    imported = []
    for item in HISTORY:
        if (item["document_number"], item["content"]["title"]) in known:
            continue
        imported.append(
            bus.handle(
                commands.ImportIssuedDocument(
                    actor=admin,
                    kind=item["kind"],
                    content=item["content"],
                    document_number=item["document_number"],
                    issued_on=date.fromisoformat(item["issued_on"]),
                    issuer=item["issuer"],
                )
            )
        )
    plans, _ = list_plans(PlanQuery(status="approved", limit=200), admin, bus.uow())
    reports, _ = list_plans(PlanQuery(status="approved", limit=200, kind="report"), admin, bus.uow())
    for item in REPORT_HISTORY:
        plan = next((p for p in plans if p.title == item["plan_title"]), None)
        if plan is None or any((r.org_unit, r.year) == (plan.org_unit, plan.year) for r in reports):
            continue
        activities = get_plan(plan.id, admin, bus.uow()).content.to_dict()["activities"]
        imported.append(
            bus.handle(
                commands.ImportIssuedDocument(
                    actor=admin,
                    kind="report",
                    content=history_report_body(plan.id, activities, item["sample"]),
                    document_number=item["document_number"],
                    issued_on=date.fromisoformat(item["issued_on"]),
                    issuer=item["issuer"],
                )
            )
        )
    return imported


# Cao Bằng's 2024 year-end report on its 2024 plan, with the figures of the Cao Bằng seed: more than 900
# news items a year in Báo Cao Bằng, 48 radio and TV columns, one border training of over 200 people,
# 12 programmes on the Thác Bản Giốc information cluster. By activity title: status, what was done,
# money spent, and each indicator's (actual, qualifier).
CAO_BANG_2024_REPORT: dict[str, Any] = {
    "advantages": (
        "Được sự quan tâm chỉ đạo của Tỉnh ủy, UBND tỉnh và sự hướng dẫn của Bộ Văn hóa, Thể thao và Du lịch; "
        "sự phối hợp chặt chẽ của Bộ Chỉ huy Bộ đội Biên phòng tỉnh, Báo Cao Bằng và Đài PT-TH Cao Bằng."
    ),
    "difficulties": (
        "Địa bàn biên giới rộng, giao thông khó khăn; đội ngũ làm công tác thông tin đối ngoại chủ yếu kiêm nhiệm; "
        "kinh phí còn hạn chế."
    ),
    "strengths": "Thông tin đối ngoại được triển khai đồng bộ, đúng kế hoạch; các chỉ tiêu chủ yếu đều đạt và vượt.",
    "weaknesses": "Nội dung thông tin bằng tiếng nước ngoài còn ít; khai thác mạng xã hội chưa tương xứng.",
    "causes": "Thiếu cán bộ có trình độ ngoại ngữ; kinh phí đầu tư cho thông tin đối ngoại chưa nhiều.",
    "directions": (
        "Tiếp tục tuyên truyền về tiềm năng du lịch Công viên địa chất toàn cầu UNESCO Non nước Cao Bằng; "
        "duy trì Cụm thông tin đối ngoại Thác Bản Giốc; tập huấn nghiệp vụ cho cán bộ khu vực biên giới."
    ),
    "proposals": "Đề nghị Bộ hỗ trợ tài liệu tuyên truyền song ngữ Việt - Trung và tập huấn cho cán bộ cơ sở.",
    "addressed_to": ["Bộ Văn hóa, Thể thao và Du lịch"],
    "recipients": ["Bộ Văn hóa, Thể thao và Du lịch", "Thường trực Tỉnh ủy", "Ban Tuyên giáo Tỉnh ủy"],
    "results": {
        "Tập huấn nghiệp vụ thông tin đối ngoại cho cán bộ khu vực biên giới": (
            "done",
            "Tổ chức 01 lớp tập huấn tại thành phố Cao Bằng cho cán bộ các xã biên giới.",
            148_500_000,
            [(200, "trên"), (1, "")],
        ),
        "Tin, bài, ảnh về hoạt động đối ngoại và kinh tế đối ngoại trên Báo Cao Bằng": (
            "done",
            "Báo Cao Bằng đăng tải tin, bài, ảnh về hoạt động đối ngoại, kinh tế đối ngoại của tỉnh.",
            270_000_000,
            [(900, "trên")],
        ),
        "Chuyên mục phát thanh, truyền hình tuyên truyền thông tin đối ngoại": (
            "done",
            "Đài PT-TH Cao Bằng sản xuất, phát sóng chuyên mục thông tin đối ngoại hằng tuần.",
            192_000_000,
            [(48, "")],
        ),
        "Duy trì nội dung tuyên truyền trên Cụm thông tin đối ngoại Thác Bản Giốc": (
            "done",
            "Duy trì 12 chương trình phát trên Cụm thông tin đối ngoại Thác Bản Giốc.",
            58_000_000,
            [(12, "")],
        ),
    },
}


def report_edit(report: Any, sample: dict[str, Any]) -> dict[str, Any]:
    """The drafter's edit of a report (its content as a dict, or the API's JSON) that writes ``sample``'s
    texts and, per planned activity named in ``sample["results"]`` by title, its results."""
    content = report if isinstance(report, dict) else report.content.to_dict()
    results = []
    for result in content["results"]:
        status, done, spent, actuals = sample["results"].get(result["title"], ("not_done", "", None, []))
        indicators = [
            {"actual": actuals[i][0], "qualifier": actuals[i][1]} if i < len(actuals) else {"actual": None}
            for i in range(len(result["indicators"]))
        ]
        results.append(
            {
                "activity_id": result["activity_id"],
                "status": status,
                "done": done,
                "spent_vnd": spent,
                "indicators": indicators,
            }
        )
    texts = {key: value for key, value in sample.items() if key != "results"}
    return {**texts, "results": results}


def load_sample_reports(bus: MessageBus) -> list[Plan]:
    """The Cao Bằng 2024 year-end report on the approved sample plan, drafted with the seed's figures
    and submitted up the report chain (the running approvals service decides it). Nothing when the
    plan is not approved or a report on it exists."""
    admin = Actor(username="admin", roles=frozenset({"admin"}))
    existing, _ = list_plans(PlanQuery(limit=1, kind="report"), admin, bus.uow())
    plans, _ = list_plans(PlanQuery(limit=100, status="approved", year=2024), admin, bus.uow())
    plan = next((p for p in plans if p.title == CAO_BANG_2024["title"]), None)
    if existing or plan is None:
        return []
    drafter = drafter_of(plan.org_unit)
    report = bus.handle(commands.CreateReport(actor=drafter, plan_id=plan.id, kind="annual"))
    body = report_edit(report, CAO_BANG_2024_REPORT)
    bus.handle(
        commands.ReplaceReport(actor=drafter, report_id=report.id, content=body, expected_revision=report.revision)
    )
    submitted: Plan = bus.handle(commands.SubmitPlan(actor=drafter, plan_id=report.id, kind="report"))
    return [submitted]


# The realm's demo users of each drafting unit (registry ids): their suffix (drafter.cb) and province.
DEMO_UNITS: dict[str, tuple[str, str]] = {
    "svhttdl-cao-bang": ("cb", "ubnd-cao-bang"),
    "svhttdl-thai-nguyen-2025": ("bk", "ubnd-thai-nguyen-2025"),
    "svhttdl-quang-ngai-2025": ("kt", "ubnd-quang-ngai-2025"),
    "svhttdl-lang-son": ("ls", "ubnd-lang-son"),
    "svhttdl-quang-tri-2025": ("qb", "ubnd-quang-tri-2025"),
}


def drafter_of(org_unit: str) -> Actor:
    suffix, province = DEMO_UNITS[org_unit]
    return Actor(username=f"drafter.{suffix}", roles=frozenset({"drafter"}), org_unit=org_unit, province=province)


def _approver(level: int, province: str) -> str:
    suffix = next(code for code, of in DEMO_UNITS.values() if of == province)
    return "ministry.1" if level == 3 else f"{LEVELS[level][0]}.{suffix}"


class _ApprovalReplay:
    """The events the approvals service sends for one approval, replayed through the consumer's handlers."""

    def __init__(self, bus: MessageBus, plan: Plan, at: datetime) -> None:
        self.bus, self.plan, self.at = bus, plan, at
        self.version = len(plan.versions)
        self.approval_id = str(uuid.uuid5(DEMO_NAMESPACE, f"{plan.id}/v{self.version}"))
        self.count = 0

    def _fact(self) -> dict[str, Any]:
        self.count += 1
        self.at += timedelta(minutes=5)
        event_id = str(uuid.uuid5(DEMO_NAMESPACE, f"{self.approval_id}/{self.count}"))
        return {
            "event_id": event_id,
            "plan_id": self.plan.id,
            "approval_id": self.approval_id,
            "version": self.version,
            "occurred_at": self.at,
        }

    def open_level(self, level: int) -> None:
        self.bus.handle(
            commands.RecordTaskAssigned(
                **self._fact(),
                task_id=f"{self.approval_id}/L{level}",
                level=level,
                level_name=LEVELS[level][1],
                role=f"{LEVELS[level][0]}_approver",
            ),
        )

    def decide(self, level: int, decision: str, comment: str = "") -> None:
        by = _approver(level, self.plan.province)
        self.bus.handle(
            commands.RecordDecision(
                **self._fact(),
                task_id=f"{self.approval_id}/L{level}",
                level=level,
                level_name=LEVELS[level][1],
                decision=decision,
                comment=comment,
                by=by,
                content_sha256=self.plan.versions[-1].content_sha256,
            ),
        )
        outcome = {"return": "returned", "reject": "rejected"}.get(decision)
        if decision == "approve" and level == 3:
            outcome = "approved"
        if outcome:
            self.bus.handle(
                commands.CompleteApproval(
                    **self._fact(), outcome=outcome, level=level, level_name=LEVELS[level][1], comment=comment, by=by
                ),
            )


def _submitted(bus: MessageBus, body: dict[str, Any]) -> Plan:
    drafter = drafter_of(body["org_unit"])
    plan = bus.handle(commands.CreatePlan(actor=drafter, content=body))
    result: Plan = bus.handle(commands.SubmitPlan(actor=drafter, plan_id=plan.id))
    return result


def load_sample_plans(bus: MessageBus) -> list[Plan]:
    """Load the sample plans unless plans exist; returns the plans loaded."""
    admin = Actor(username="admin", roles=frozenset({"admin"}))
    existing, _ = list_plans(PlanQuery(limit=1), admin, bus.uow())
    if existing:
        return []
    now = bus.dependencies["clock"]()
    loaded: list[Plan] = []

    # Cao Bằng 2024: through all three levels, numbered by the provincial People's Committee.
    plan = _submitted(bus, CAO_BANG_2024)
    replay = _ApprovalReplay(bus, plan, now)
    for level in (1, 2, 3):
        replay.open_level(level)
        replay.decide(level, "approve")
    loaded.append(plan)

    # Bắc Kạn 2020: approved by the department, now before the provincial committee.
    plan = _submitted(bus, BAC_KAN_2020)
    replay = _ApprovalReplay(bus, plan, now)
    replay.open_level(1)
    replay.decide(1, "approve")
    replay.open_level(2)
    loaded.append(plan)

    # Kon Tum 2023: before the ministry.
    plan = _submitted(bus, KON_TUM_2023)
    replay = _ApprovalReplay(bus, plan, now)
    for level in (1, 2):
        replay.open_level(level)
        replay.decide(level, "approve")
    replay.open_level(3)
    loaded.append(plan)

    # Lạng Sơn 2018: returned by the provincial committee for revision.
    plan = _submitted(bus, LANG_SON_2018)
    replay = _ApprovalReplay(bus, plan, now)
    replay.open_level(1)
    replay.decide(1, "approve")
    replay.open_level(2)
    replay.decide(2, "return", "Đề nghị bổ sung kinh phí và chỉ tiêu cho hoạt động đón phóng viên nước ngoài.")
    loaded.append(plan)

    # Quảng Bình 2017: just submitted. No replay here: the running approvals service opens its level 1
    # from the plan.submitted event, so this one plan goes up the real chain end to end.
    loaded.append(_submitted(bus, QUANG_BINH_2017))

    # Cao Bằng 2025: a draft still being written.
    loaded.append(bus.handle(commands.CreatePlan(actor=drafter_of("svhttdl-cao-bang"), content=CAO_BANG_2025_BAN_GIOC)))
    return [get_plan(plan.id, admin, bus.uow()) for plan in loaded]


@click.command()
def cli() -> None:
    """Load the sample plans into the plans service's database (DATABASE_URL) on its own,
    replaying the approval events no approvals service sent, then import the seeds' issued plans
    and reports as history; does nothing when they exist.

        python infra/local/sample_plans.py
    """
    from plans.bootstrap import bootstrap
    from plans.config import PlansSettings

    bus = bootstrap(PlansSettings())
    loaded = load_sample_plans(bus)
    click.echo(f"loaded {len(loaded)} sample plans" if loaded else "plans exist already; no sample data loaded")
    reports = load_sample_reports(bus)
    if reports:
        click.echo(f"loaded {len(reports)} sample report (submitted up the report chain)")
    history = load_sample_history(bus)
    if history:
        click.echo(f"imported {len(history)} issued documents of the seeds as history")


if __name__ == "__main__":
    cli()
