"""The import's template (its explanation sheet) and how each entity type may be written, for the
template and the upload page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.services.imports.reading import COLUMNS
from enterprises.services.register import REQUIRED

# How each entity type is usually written (template and upload page).
ENTITY_TYPE_EXAMPLES: list[tuple[str, str]] = [
    (Enterprise.EntityType.COMPANY, "有限责任公司、股份有限公司、公司、company"),
    (Enterprise.EntityType.BRANCH, "分公司、分支机构、branch"),
    (Enterprise.EntityType.PARTNERSHIP, "普通合伙企业、有限合伙企业、合伙企业、partnership"),
    (Enterprise.EntityType.SOLE_PROPRIETORSHIP, "个人独资企业、sole_proprietorship"),
    (Enterprise.EntityType.FARMERS_COOP, "农民专业合作社、farmers_coop"),
    (Enterprise.EntityType.INDIVIDUAL_BUSINESS, "个体工商户、individual_business"),
]


def import_template_rows() -> list[list[Any]]:
    """Rows of the explanation sheet of the template: header, field, required, format."""
    return [[zh, en, _("yes") if f in REQUIRED else "", str(note)] for f, zh, en, note in COLUMNS]


def entity_type_examples() -> list[tuple[str, str]]:
    """(entity type label, how it may be written) for the template and the upload page."""
    labels = dict(Enterprise.EntityType.choices)
    return [(str(labels[value]), written) for value, written in ENTITY_TYPE_EXAMPLES]
