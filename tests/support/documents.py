"""Plans for document tests and benchmarks: the Cao Bằng 2024 sample, and a
ten-page plan made from it (more activities, longer contents)."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

from plans.domain.content import PlanContent
from plans.domain.document import DocumentFace, Signer, document_face
from plans.domain.organisation_seed import load_seed
from plans.domain.organisations import Organisations

from infra.local.sample_plans import CAO_BANG_2024

REGISTRY = load_seed()
ORGANISATIONS = Organisations.load(lambda: REGISTRY)
DEPUTY_CHAIR = Signer("province.cb", "Bế Đức Thắng", "Phó Chủ tịch", "ubnd-cao-bang")


def ten_page_plan() -> dict[str, Any]:
    body = copy.deepcopy(CAO_BANG_2024)
    activities = []
    for round_ in range(4):
        for activity in CAO_BANG_2024["activities"]:
            copy_ = copy.deepcopy(activity)
            copy_["title"] = f"{activity['title']} (đợt {round_ + 1})"
            copy_["content"] = (
                "Tổ chức thực hiện theo đúng quy định; phối hợp chặt chẽ với các cơ quan, đơn vị liên quan; "
                "bảo đảm thông tin chính xác, kịp thời, phù hợp với từng đối tượng và địa bàn biên giới. "
            ) * 2
            copy_["expected_output"] = "Báo cáo kết quả gửi Sở Thông tin và Truyền thông trước ngày 15 tháng 12"
            activities.append(copy_)
    body["activities"] = activities
    return body


def as_in_2024(body: dict[str, Any]) -> dict[str, Any]:
    """The sample plan as drafted in 2024, when Cao Bằng's external information was its Sở TTTT's work."""
    return json.loads(json.dumps(body).replace('"svhttdl-cao-bang"', '"stttt-cao-bang"'))


def face_of(body: dict[str, Any], number: str = "01/KH-UBND") -> DocumentFace:
    """The face of ``body`` issued on 8 February 2024 (its units named as they were then)."""
    return document_face(
        document_id="00000000-0000-4000-8000-000000000001",
        version=1,
        content=PlanContent.from_dict(as_in_2024(body)),
        number=number,
        issued_on=date(2024, 2, 8),
        place="Cao Bằng",
        issuer=ORGANISATIONS.body("ubnd-cao-bang", date(2024, 2, 8)),
        signer=DEPUTY_CHAIR,
        organisations=ORGANISATIONS,
    )
