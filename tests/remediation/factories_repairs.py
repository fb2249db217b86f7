"""Builders for the credit-repair tests: penalties in the ledger (through the register's
service), penalty decisions (rows made directly: the penalty services are another area's),
uploads, and the people who act."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from credit_portal.dates import add_months
from credit_portal.models import Department, StaffProfile, User
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from remediation.models import PenaltyDecision, PenaltyMeasure, ViolationType
from tests.enterprises.factories import EnterpriseFactory, enterprise_user

BUREAU_NAME = settings.CREDIT_PORTAL["BUREAU_NAME"]  # the name the bureau decides under


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


# Small honest files of each allowed kind, whole as the uploads' checks want them (their first
# bytes, and their structure: a PDF's objects and end marker, a PNG's IHDR and IEND, a JPEG's
# end-of-image marker).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
# A 1×1 grey PNG: 67 bytes, the smallest valid one.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    + _png_chunk(b"IEND", b"")
)
# A JPEG's frame: start of image, the JFIF header, a comment, end of image.
JPEG_BYTES = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xfe"
    + struct.pack(">H", 2 + 110)
    + b"scanned by the applicant ".ljust(110, b".")
    + b"\xff\xd9"
)

# The conditions an applicant declares and the officer verifies before approving a penalty's
# repair (`repair_decide(verified=...)`).
VERIFIED = ("carried_out", "harm_removed")

OFFICER_PERMS = (
    "enterprises.view_enterprise",
    "enterprises.view_creditrecord",
    "remediation.view_repairapplication",
    "remediation.decide_repairapplication",
    "remediation.export_repairsync",
)


def today() -> dt.date:
    return timezone.localdate()


def pdf(name: str = "证明.pdf", body: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG_BYTES, content_type="image/jpeg")


def fake_pdf(name: str = "申请书.pdf") -> SimpleUploadedFile:
    """A Word document renamed .pdf, sent with a PDF content type: refused by content."""
    return SimpleUploadedFile(name, b"PK\x03\x04word/document.xml", content_type="application/pdf")


def big_pdf(size: int, name: str = "big.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES + b"0" * (size - len(PDF_BYTES)))


def penalty_record(
    enterprise: Enterprise,
    *,
    published_on: dt.date,
    decided_on: dt.date | None = None,
    publicity_end: dt.date | str | None = "3y",
    authority: str = BUREAU_NAME,
    number: str = "双市监处罚〔2025〕1号",
    details: dict[str, Any] | None = None,
) -> CreditRecord:
    """A published penalty in the ledger, as the publication service writes it."""
    end: dt.date | None
    if publicity_end == "3y":
        end = add_months(published_on, 36) - dt.timedelta(days=1)
    else:
        end = publicity_end  # type: ignore[assignment]
    return credit_record_append(
        enterprise=enterprise,
        kind="penalty",
        occurred_on=decided_on or published_on - dt.timedelta(days=10),
        summary=f"{number}：违反产品质量法，罚款",
        actor=None,
        is_public=True,
        publicity_start=published_on,
        publicity_end=end,
        authority=authority,
        document_number=number,
        details=details or {},
    )


def violation_type(code: str = "product_quality", sector: str = "general") -> ViolationType:
    return ViolationType.objects.get_or_create(
        code=code, defaults={"name": f"违法类型{code}", "sector": sector}
    )[0]


def penalty_decision(
    record: CreditRecord | None,
    *,
    enterprise: Enterprise | None = None,
    department: Department | None = None,
    sector: str = "general",
    vtype: ViolationType | None = None,
    measures: tuple[str, ...] = ("fine",),
    number: str | None = None,
    decided_on: dt.date | None = None,
    created_by: User | None = None,
) -> PenaltyDecision:
    """A recorded decision, made directly (the penalty area's services are not used here)."""
    enterprise = enterprise or (record.enterprise if record else None)
    assert enterprise is not None
    department = department or Department.objects.get(is_bureau=True)
    creator = created_by or User.objects.get_or_create(username="penalty-clerk")[0]
    day = decided_on or (record.occurred_on if record else today())
    decision = PenaltyDecision.objects.create(
        number=number or (record.document_number if record else f"N-{day}"),
        decided_on=day,
        department=department,
        party_kind=PenaltyDecision.PartyKind.REGISTERED,
        enterprise=enterprise,
        party_name=enterprise.name,
        violation_type=vtype or violation_type(f"type_{sector}", sector),
        violation_on=day - dt.timedelta(days=30),
        discovered_on=day - dt.timedelta(days=20),
        facts="事实",
        legal_basis="依据",
        status=PenaltyDecision.Status.RECORDED,
        recorded_on=day,
        published_on=record.publicity_start if record else None,
        publicity_end=record.publicity_end if record else None,
        credit_record=record,
        created_by=creator,
    )
    for kind in measures:
        PenaltyMeasure.objects.create(
            decision=decision,
            kind=kind,
            amount=5000 if kind == PenaltyMeasure.Kind.FINE else None,
        )
    return decision


def eligible_penalty(enterprise: Enterprise | None = None, **kwargs: Any) -> CreditRecord:
    """A general-sector penalty published seven months ago, public for 3 years."""
    enterprise = enterprise or EnterpriseFactory()
    return penalty_record(enterprise, published_on=add_months(today(), -7), **kwargs)


def member(enterprise: Enterprise, username: str = "firm") -> User:
    return enterprise_user(enterprise, username=username)


def staff(*codenames: str, username: str, department: Department | None = None) -> User:
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    for full in codenames:
        app_label, codename = full.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    StaffProfile.objects.create(
        user=user, department=department or Department.objects.get(is_bureau=True)
    )
    return User.objects.get(pk=user.pk)


def officer(username: str = "officer", department: Department | None = None) -> User:
    return staff(*OFFICER_PERMS, username=username, department=department)


def apply_data(record: CreditRecord, **over: Any) -> dict[str, Any]:
    """The service's keyword arguments for a complete application (one evidence PDF)."""
    data: dict[str, Any] = {
        "kind": "penalty_publicity",
        "record": record,
        "applicant_name": "张三",
        "applicant_phone": "13800000000",
        "statement": "罚款已于上月缴清，问题产品已全部下架并整改。",
        "pledge_accepted": True,
        "files": [("evidence", pdf())],
    }
    data.update(over)
    return data


def stream(response: Any) -> bytes:
    buffer = io.BytesIO()
    for chunk in response.streaming_content:
        buffer.write(chunk)
    return buffer.getvalue()
