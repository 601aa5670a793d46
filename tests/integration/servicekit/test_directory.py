"""Who the people are, read from the identity provider's Admin REST API."""

from __future__ import annotations

from pathlib import Path

from devidp.testing import free_port, start_devidp
from servicekit.directory import Directory


def test_role_members_in_scope_and_a_stale_answer_when_the_provider_is_down(tmp_path: Path) -> None:
    process, base_url = start_devidp(free_port(), tmp_path / "keys.json")
    try:
        directory = Directory(base_url, "ttdn", "ttdn-services", "services-secret", ttl=0.0)
        cao_bang = directory.eligible(
            "dept_approver", "org_unit", org_unit="svhttdl-cao-bang", province="ubnd-cao-bang"
        )
        assert sorted(p.username for p in cao_bang) == ["dept.cb", "dual.cb"]
        province = directory.eligible("province_approver", "province", org_unit=None, province="ubnd-quang-tri-2025")
        assert [p.username for p in province] == ["province.qb"]
        ministry = directory.eligible("ministry_approver", "national", org_unit=None, province=None)
        assert {p.username for p in ministry} == {"ministry.1", "ministry.2"}
        drafter = directory.person("drafter.cb")
        assert drafter is not None and drafter.email and drafter.locale == "vi"
    finally:
        process.stop()
    # The cache has expired (ttl 0) and the provider is gone: the last answer still serves.
    again = directory.eligible("dept_approver", "org_unit", org_unit="svhttdl-cao-bang", province="ubnd-cao-bang")
    assert sorted(p.username for p in again) == ["dept.cb", "dual.cb"]
