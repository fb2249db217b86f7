"""The import's template (its explanation sheet) and how each entity type may be written, for the
template and the upload page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.services.imports.reading import COLUMNS
from enterprises.services.imports.validating import ENTITY_TYPE_NAMES
from enterprises.services.register import REQUIRED

# How each entity type may be written (template and upload page): every accepted name, then
# the value the API and the English template use.
ENTITY_TYPE_EXAMPLES: list[tuple[str, str]] = [
    (entity_type, "、".join([*names, str(entity_type)]))
    for entity_type, names in ENTITY_TYPE_NAMES.items()
]


def import_template_rows() -> list[list[Any]]:
    """Rows of the explanation sheet of the template: header, field, required, format."""
    return [[zh, en, _("yes") if f in REQUIRED else "", str(note)] for f, zh, en, note in COLUMNS]


def entity_type_examples() -> list[tuple[str, str]]:
    """(entity type label, how it may be written) for the template and the upload page: the
    names the import accepts, exactly (`validating.ENTITY_TYPE_NAMES`)."""
    labels = dict(Enterprise.EntityType.choices)
    return [(str(labels[value]), written) for value, written in ENTITY_TYPE_EXAMPLES]
