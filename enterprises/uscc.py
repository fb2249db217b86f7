"""Unified Social Credit Code (GB 32100-2015) and the old 15-digit registration number (GS 15-2006).

docs/domain.md §8:
- 18 characters over the 31-symbol alphabet 0-9A-Y without I, O, S, V, Z;
- position 1: registration-authority code, position 2: entity-type code under that authority,
  positions 3-8: administrative division, 9-17: organisation code (GB 11714) with its own check
  character, 18: check character with weights 3^(i-1) mod 31;
- old registration numbers: 15 digits, ISO 7064 MOD 11,10 check digit.
Some early pilot codes legitimately fail the check (e.g. Xiamen 3502...); a failed check is an
error that a user with the override permission may accept (docs/domain.md §8, caveat).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, ...
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714
_ORG_VALUE = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}

# Registration-authority codes (position 1) and, where docs/domain.md §8 lists them, the entity-type
# codes (position 2) each authority uses. Authorities without a list accept 1-9.
AUTHORITY_NAMES = {
    "1": "机构编制",
    "2": "外交",
    "3": "教育",
    "4": "公安",
    "5": "民政",
    "6": "司法",
    "7": "交通运输",
    "8": "文化",
    "9": "工商/市场监管",
    "A": "旅游",
    "B": "宗教",
    "C": "工会",
    "D": "军队后勤",
    "E": "省级政府",
    "F": "地市级政府",
    "G": "区县级政府",
    "Y": "其他",
}
ENTITY_TYPES_BY_AUTHORITY = {"9": "123", "5": "1239", "1": "1239"}
ANY_ENTITY_TYPE = "123456789"

USCC_FORMAT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalize(code: str) -> str:
    """Upper case, full-width characters folded to ASCII, spaces and hyphens removed."""
    folded = unicodedata.normalize("NFKC", code or "")
    return re.sub(r"[\s\-]", "", folded).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def orgcode_check_char(body8: str) -> str:
    total = sum(_ORG_VALUE[c] * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


@dataclass(frozen=True)
class CodeProblem:
    """One thing wrong with a code. `overridable` problems are check-character mismatches."""

    code: str  # machine code: length, charset, authority, entity_type, division, org_check, check
    message: str
    overridable: bool = False


def uscc_problems(code: str) -> list[CodeProblem]:
    """Everything wrong with an (already normalised) USCC; empty when it is valid."""
    if len(code) != 18:
        return [
            CodeProblem(
                "length",
                _("A credit code has 18 characters; this one has %(n)d.") % {"n": len(code)},
            )
        ]
    bad = sorted({c for c in code if c not in CHARSET})
    if bad:
        return [
            CodeProblem(
                "charset",
                _(
                    "A credit code may not contain %(chars)s (the letters I, O, S, V and Z "
                    "are never used)."
                )
                % {"chars": "、".join(bad)},
            )
        ]
    problems: list[CodeProblem] = []
    authority, entity_type = code[0], code[1]
    if authority not in AUTHORITY_NAMES:
        problems.append(
            CodeProblem(
                "authority",
                _("The first character %(c)s is not a registration-authority code.")
                % {"c": authority},
            )
        )
    elif entity_type not in ENTITY_TYPES_BY_AUTHORITY.get(authority, ANY_ENTITY_TYPE):
        problems.append(
            CodeProblem(
                "entity_type",
                _(
                    "The second character %(c)s is not an entity type used by registration "
                    "authority %(a)s."
                )
                % {"c": entity_type, "a": authority},
            )
        )
    if not code[2:8].isdigit():
        problems.append(
            CodeProblem(
                "division", _("Characters 3 to 8 must be the 6-digit administrative division code.")
            )
        )
    if problems:
        return problems
    org_expected = orgcode_check_char(code[8:16])
    if code[16] != org_expected:
        problems.append(
            CodeProblem(
                "org_check",
                _("The organisation code check character (17th) should be %(e)s, not %(g)s.")
                % {"e": org_expected, "g": code[16]},
                overridable=True,
            )
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        problems.append(
            CodeProblem(
                "check",
                _("The check character (18th) should be %(e)s, not %(g)s.")
                % {"e": expected, "g": code[17]},
                overridable=True,
            )
        )
    return problems


def uscc_is_valid(code: str) -> bool:
    return not uscc_problems(normalize(code))


def regno15_check_digit(first14: str) -> str:
    """ISO 7064 MOD 11,10 (GB/T 17710), as used by the old registration number."""
    p = 10
    for ch in first14:
        s = (p + int(ch)) % 10 or 10
        p = (s * 2) % 11
    return str((11 - p) % 10)


def regno15_problems(number: str) -> list[CodeProblem]:
    if len(number) != 15 or not number.isdigit():
        return [CodeProblem("format", _("An old registration number has 15 digits."))]
    expected = regno15_check_digit(number[:14])
    if number[14] != expected:
        return [
            CodeProblem(
                "check",
                _("The check digit (15th) of the registration number should be %(e)s, not %(g)s.")
                % {"e": expected, "g": number[14]},
            )
        ]
    return []


def looks_like_uscc(text: str) -> bool:
    return bool(USCC_FORMAT.match(normalize(text)))


def looks_like_regno(text: str) -> bool:
    t = normalize(text)
    return len(t) == 15 and t.isdigit()
