import pytest
from django.utils import translation

from enterprises.identity import mask_id, resident_id_problem
from enterprises.uscc import (
    normalize,
    orgcode_check_char,
    regno15_problems,
    uscc_check_char,
    uscc_is_valid,
    uscc_problems,
)
from tests.enterprises.factories import make_uscc


@pytest.fixture(autouse=True)
def _english():
    """These tests read service messages; the interface language is covered elsewhere."""
    with translation.override("en"):
        yield


# docs/domain.md §8: real public codes and library test vectors.
VALID = [
    "914403001922038216",  # Huawei Technologies
    "91440300708461136T",  # Shenzhen Tencent Computer Systems
    "91330100799655058B",  # Alibaba (China)
    "91110108551385082Q",  # Xiaomi Technology
    "91320621MA1MRHG205",
    "91310115591693856A",
    "91310110666007217T",
]
# Mock-data codes with well-known names that fail the check (docs/domain.md §8): never fixtures.
INVALID = [
    "91110108717809965C",
    "91110000800088421P",
    "9133010057462616XH",
    "914403001870826678",
    "91320621MA1MRHG207",
]


@pytest.mark.parametrize("code", VALID)
def test_real_codes_pass(code):
    assert uscc_problems(code) == []


@pytest.mark.parametrize("code", INVALID)
def test_known_bad_codes_fail_on_a_check_character(code):
    problems = uscc_problems(code)
    assert problems
    assert {p.code for p in problems} <= {"check", "org_check"}
    assert all(p.overridable for p in problems)


def test_message_names_the_expected_character():
    (problem,) = uscc_problems("91320621MA1MRHG207")
    assert "5" in problem.message
    assert problem.code == "check"


def test_xiamen_pilot_code_fails_but_is_overridable():
    problems = uscc_problems("91350211M00013FA1N")
    assert problems
    assert all(p.overridable for p in problems)


def test_weights_are_powers_of_three_mod_31():
    assert uscc_check_char("91440300708461136") == "T"
    assert orgcode_check_char("70846113") == "6"


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("9144030019220382", "length"),
        ("91440300192203821I", "charset"),
        ("914403001922038O16", "charset"),
        ("H14403001922038216", "authority"),
        ("97440300192203821X", "entity_type"),
        ("9144A3001922038216", "division"),
    ],
)
def test_structural_problems_are_not_overridable(code, problem):
    problems = uscc_problems(code)
    assert problems[0].code == problem
    assert not problems[0].overridable


def test_normalize_folds_full_width_lower_case_and_spaces():
    assert normalize(" ９１４４０３００ 1922038216 ") == "914403001922038216"
    assert normalize("91440300708461136t") == "91440300708461136T"
    assert uscc_is_valid("91440300-708461136t")


def test_generated_codes_are_valid():
    codes = {make_uscc(i, entity_digit=d) for i in range(500) for d in "123"}
    assert len(codes) == 1500
    assert all(uscc_problems(c) == [] for c in codes)


@pytest.mark.parametrize("number", ["110108000000016", "450703583197518", "440783763666398"])
def test_old_registration_numbers_pass(number):
    assert regno15_problems(number) == []


def test_old_registration_number_with_wrong_check_digit_names_the_right_one():
    (problem,) = regno15_problems("110108000000017")
    assert "6" in problem.message


def test_resident_id_check_and_mask():
    assert resident_id_problem("11010519491231002X") is None
    assert "X" in (resident_id_problem("110105194912310021") or "")
    assert mask_id("11010519491231002X") == "1101**********002X"


def test_messages_speak_chinese_by_default():
    with translation.override("zh-hans"):
        (problem,) = uscc_problems("91320621MA1MRHG207")
    assert problem.message == "校验位（第 18 位）应为 5，而不是 7。"
