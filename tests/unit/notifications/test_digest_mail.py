"""The digest e-mail as a receiving mail program would parse it."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default

from notifications.adapters.mail import DigestComposer
from notifications.adapters.templates import DigestEntry, TemplateRenderer
from notifications.domain.deliveries import MailDigest as Digest

LINK = "https://ttdn.caobang.gov.vn/plans/5f0c8a1e"


def mailer(renderer: TemplateRenderer) -> DigestComposer:
    return DigestComposer(
        renderer=renderer,
        sender="TTĐN <no-reply@ttdn.example>",
        clock=lambda: datetime(2024, 1, 17, 8, 1, tzinfo=UTC),
    )


def test_a_digest_is_utf8_multipart_alternative_with_an_encoded_vietnamese_subject(renderer: TemplateRenderer) -> None:
    digest = Digest(
        batch_id="0b6c2f55-8d7e-4a1b-9c3d-2e1f0a9b8c7d",
        recipient="dept.cb",
        reader_name="Nông Văn Sơn",
        address="dept.cb@ttdn.example",
        locale="vi",
        entries=[
            DigestEntry(
                "Kế hoạch chờ phê duyệt (Sở): Kế hoạch TTĐN năm 2024",
                "Đang chờ Sở phê duyệt.\n\nXem kế hoạch: " + LINK,
                LINK,
            ),
            DigestEntry("Quá hạn phê duyệt (Sở): Kế hoạch TTĐN năm 2024", "Đã quá hạn.", LINK),
        ],
    )
    raw = mailer(renderer).compose(digest).as_bytes()
    assert raw.isascii()  # every header encoded (RFC 2047), bodies quoted-printable: any relay passes it

    parsed = message_from_bytes(raw, policy=default)
    assert str(make_header(decode_header(parsed["Subject"]))) == "TTĐN: 2 thông báo mới"
    assert parsed["Message-ID"] == "<0b6c2f55-8d7e-4a1b-9c3d-2e1f0a9b8c7d@notifications.ttdn>"
    assert parsed["To"].addresses[0].display_name == "Nông Văn Sơn"
    assert parsed["From"].addresses[0].display_name == "TTĐN"
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    assert "Kính gửi Nông Văn Sơn," in text.get_content()
    assert "2. Quá hạn phê duyệt (Sở)" in text.get_content()
    assert f'<a href="{LINK}">Xem kế hoạch</a>' in html.get_content()


def test_an_item_without_an_address_in_its_text_gets_its_link_in_both_parts(renderer: TemplateRenderer) -> None:
    task = "https://ttdn.caobang.gov.vn/approvals/a7f3e2d1?task=t-1"
    digest = Digest(
        batch_id="5d1e0c2b-7a6f-4e3d-8c9b-1a2b3c4d5e6f",
        recipient="dept.cb",
        reader_name="Nông Văn Sơn",
        address="dept.cb@ttdn.example",
        locale="vi",
        entries=[
            DigestEntry(
                "Kế hoạch chờ phê duyệt (Sở): Kế hoạch TTĐN năm 2024",
                "Đang chờ Sở phê duyệt.",
                task,
                "Mở trang quyết định",
            ),
            # written before items had the link's words: its last line is the address
            DigestEntry("Quá hạn phê duyệt (Sở): Kế hoạch TTĐN năm 2024", "Đã quá hạn.\n\nXem kế hoạch: " + LINK, LINK),
        ],
    )
    parsed = message_from_bytes(mailer(renderer).compose(digest).as_bytes(), policy=default)
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = parsed.get_body(("html",)).get_content()
    assert f"Đang chờ Sở phê duyệt.\n\nMở trang quyết định: {task}" in text
    assert text.count(LINK) == 1  # the older item's address is not repeated
    assert f'<a href="{task.replace("&", "&amp;")}">Mở trang quyết định</a>' in html
    assert f'<a href="{LINK}">Xem kế hoạch</a>' in html and "Xem kế hoạch: " not in html
