"""The uploads of a credit-repair application (docs/domain.md §5, "Materials"): checked by what
they hold, stored under a name nobody chose, served only through a view that checks who asks.

Rules
- A file is a PDF or an image (PNG, JPEG), told by its first bytes (`%PDF-`, the PNG
  signature, the JPEG start-of-image marker); neither its name nor the content type the client
  sent counts. A file named .pdf that holds anything else is refused, naming the file.
- Its structure is checked too, cheaply and without a parser (`STRUCTURE`): a PDF holds at
  least one object (" obj") and ends with "%%EOF" within its last 1,024 bytes; a PNG has its
  IHDR chunk right after the signature and ends with its IEND chunk; a JPEG ends with the
  end-of-image marker FFD9 (trailing zero bytes allowed, as some scanners pad). Each is at
  least `MIN_BYTES` long. A file that starts right but fails these is refused as damaged
  (truncated, or not the format it claims: a "%PDF-1.4" line followed by a script is no
  PDF).
- The file is stored and served with the extension of the format found, and the name shown
  takes it too: a PNG sent as "scan.pdf" is kept as "scan.png" (`display_name_for`).
- At most `repair_upload_max_bytes()` a file (CREDIT_PORTAL["REPAIR_UPLOAD_MAX_BYTES"],
  10 MB by default) and `repair_upload_max_files()` files an application; an empty file is
  refused. The size is the bytes read, not what the client declared.
- Each file's SHA-256 is kept, so that the officer and a later audit can tell the file is the
  one received.
- A file is stored under MEDIA as `repairs/<year>/<month>/<random hex>.<pdf|png|jpg>`: the
  name the person gave is kept in the row for display only, never as a path. MEDIA is not
  served by the site; `remediation.views.repairs` streams a file to staff of the case's
  jurisdiction and to the applicant's own enterprise, with the checked content type.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from remediation.rules import repair_upload_max_bytes, repair_upload_max_files

# (first bytes, content type, extension): what an upload may be.
FORMATS: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
_HEAD = 16  # the signature and, for a PNG, the IHDR chunk's length and type
_CHUNK = 64 * 1024
NAME_MAX = 255
# The smallest file of each format that can hold a page or a picture: a PDF with its header,
# one object and its end marker; the smallest valid PNG (a 1×1 image: signature, IHDR, IDAT,
# IEND); the smallest baseline JPEG (a 1×1 image with its tables) [the formats' specs].
MIN_BYTES = {"pdf": 64, "png": 67, "jpg": 125}
# How much of a file's end the structural checks read: "%%EOF" may be followed by a few bytes
# of whitespace or an incremental update's padding (PDF 32000-1 §7.5.5 asks it last; readers
# look within the last 1,024 bytes).
TAIL_BYTES = 1024
_PNG_IHDR = b"\x00\x00\x00\x0dIHDR"
_PNG_IEND = b"\x00\x00\x00\x00IEND\xae\x42\x60\x82"
_JPEG_EOI = b"\xff\xd9"
_PDF_OBJECT = b" obj"
_PDF_EOF = b"%%EOF"


@dataclass(frozen=True)
class CheckedUpload:
    """One upload that passed the checks: what it is by its content, its size and digest."""

    kind: str
    file: UploadedFile
    original_name: str
    content_type: str
    extension: str
    size: int
    sha256: str

    def stored_name(self) -> str:
        """A random file name with the extension of the checked format (the FileField's
        `upload_to` puts it under repairs/<year>/<month>/)."""
        return f"{secrets.token_hex(16)}.{self.extension}"


def format_of(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a file starting with `head`, None when not allowed."""
    for magic, content_type, extension in FORMATS:
        if head.startswith(magic):
            return content_type, extension
    return None


def _display_name(file: UploadedFile) -> str:
    name = (file.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in "\x00")
    return (name or _("unnamed file"))[:NAME_MAX]


# The extensions a file of each format may keep (its name is shown as sent when it has one).
_EXTENSIONS = {"pdf": ("pdf",), "png": ("png",), "jpg": ("jpg", "jpeg", "jpe")}
_CONTENT_EXTENSIONS = {content_type: ext for _magic, content_type, ext in FORMATS}


def display_name_for(name: str, extension: str) -> str:
    """`name` with the extension of the format found: kept when it already says so (.JPEG
    for a JPEG), else replaced ("png_as.pdf" for a PNG is "png_as.png"), else added."""
    stem, dot, current = name.rpartition(".")
    if dot and stem and current.lower() in _EXTENSIONS.get(extension, (extension,)):
        return name
    if dot and stem and 0 < len(current) <= 5 and current.isalnum():
        name = stem
    suffix = f".{extension}"
    return name[: NAME_MAX - len(suffix)] + suffix


def download_name(name: str, content_type: str) -> str:
    """The name a stored upload is downloaded under: with the extension of its checked content
    type (rows stored before the names were corrected included)."""
    extension = _CONTENT_EXTENSIONS.get(content_type)
    return display_name_for(name, extension) if extension else name


def _damaged(name: str, label: str) -> ValidationError:
    return ValidationError(
        _(
            "%(name)s looks damaged: it starts like a %(format)s but is not a complete "
            "%(format)s file (cut off, or something else under that name). Save or scan it "
            "again and send it once more."
        )
        % {"name": name, "format": label},
        code="damaged",
    )


def _structure_problem(
    *, name: str, extension: str, head: bytes, tail: bytes, size: int, has_object: bool
) -> ValidationError | None:
    """The structural check of a file of a known format (module docstring), or None."""
    labels = {"pdf": "PDF", "png": "PNG", "jpg": "JPEG"}
    label = labels[extension]
    if size < MIN_BYTES[extension]:
        return ValidationError(
            _(
                "%(name)s is too small to be a %(format)s (%(size)d bytes): it is cut off or "
                "empty. Save or scan it again and send it once more."
            )
            % {"name": name, "format": label, "size": size},
            code="damaged",
        )
    if extension == "pdf":
        ok = has_object and _PDF_EOF in tail[-TAIL_BYTES:]
    elif extension == "png":
        ok = head[8:16] == _PNG_IHDR and tail.endswith(_PNG_IEND)
    else:
        ok = tail.rstrip(b"\x00").endswith(_JPEG_EOI)
    return None if ok else _damaged(name, label)


def upload_checked(*, kind: str, file: UploadedFile) -> CheckedUpload:
    """Check one upload; raises ValidationError naming the file and the reason.

    Rules: the module docstring. Side effects: reads the file once (and rewinds it).
    """
    name = _display_name(file)
    limit = repair_upload_max_bytes()
    digest = hashlib.sha256()
    size = 0
    head = b""
    tail = b""  # the last TAIL_BYTES read
    has_object = False  # a PDF's " obj", found across the chunks' boundaries too
    file.seek(0)
    for chunk in file.chunks(_CHUNK):
        if len(head) < _HEAD:
            head += chunk[: _HEAD - len(head)]
        if not has_object:
            has_object = _PDF_OBJECT in tail[-(len(_PDF_OBJECT) - 1) :] + chunk
        tail = (tail + chunk)[-TAIL_BYTES:]
        size += len(chunk)
        if size > limit:
            raise ValidationError(
                _("%(name)s is larger than %(limit)s; send a smaller scan or photo.")
                % {"name": name, "limit": filesizeformat(limit)},
                code="too_large",
            )
        digest.update(chunk)
    file.seek(0)
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    found = format_of(head)
    if found is None:
        raise ValidationError(
            _(
                "%(name)s is not a PDF or an image (PNG or JPEG). The portal reads what a file "
                "holds, not its name: save or scan the document as PDF, PNG or JPEG."
            )
            % {"name": name},
            code="file_type",
        )
    content_type, extension = found
    problem = _structure_problem(
        name=name, extension=extension, head=head, tail=tail, size=size, has_object=has_object
    )
    if problem is not None:
        raise problem
    return CheckedUpload(
        kind=kind,
        file=file,
        original_name=display_name_for(name, extension),
        content_type=content_type,
        extension=extension,
        size=size,
        sha256=digest.hexdigest(),
    )


def uploads_checked(
    *, files: Sequence[tuple[str, UploadedFile]], field: str = "files"
) -> list[CheckedUpload]:
    """Check every upload of an application at once; raises one ValidationError on `field`
    holding every problem (too many files, and each file refused).

    Side effects: reads each file once.
    """
    limit = repair_upload_max_files()
    if len(files) > limit:
        raise ValidationError(
            {
                field: [
                    _("At most %(n)d files may be sent with an application; %(sent)d were sent.")
                    % {"n": limit, "sent": len(files)}
                ]
            }
        )
    checked: list[CheckedUpload] = []
    problems: list[ValidationError] = []
    for kind, file in files:
        try:
            checked.append(upload_checked(kind=kind, file=file))
        except ValidationError as exc:
            problems.append(exc)
    if problems:
        raise ValidationError({field: problems})
    return checked
