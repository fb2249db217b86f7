import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.register import enterprise_clean, enterprise_create, enterprise_update
from tests.enterprises.factories import DepartmentFactory, make_uscc, register_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read service messages; the interface language is covered elsewhere."""
    with translation.override("en"):
        yield


def _data(**over):
    return register_data(1, **over)


@pytest.fixture(autouse=True)
def _department():
    DepartmentFactory()


def test_create_writes_enterprise_registration_record_and_audit(user_with_perms):
    actor = user_with_perms()
    ent = enterprise_create(actor=actor, data=_data(uscc=make_uscc(1).lower()))
    assert ent.uscc == make_uscc(1)
    assert ent.industry_section == "H"  # derived from division 62
    assert ent.name_initials == "CDRCCYYXGS"
    assert ent.legal_rep_id_masked == "1101**********002X"
    assert len(ent.legal_rep_id_digest) == 64
    assert "11010519491231002X" not in str(Enterprise.objects.filter(pk=ent.pk).values().get())
    record = CreditRecord.objects.get(enterprise=ent)
    assert (record.kind, record.is_public, record.recorded_by) == ("registration", True, actor)
    event = AuditEvent.objects.get(event_type="enterprises.enterprise_created")
    assert (event.actor, event.enterprise) == (actor, ent)
    assert "11010519491231002X" not in str(event.extra)


def test_wrong_check_character_is_refused_and_nothing_written():
    with pytest.raises(ValidationError) as err:
        enterprise_create(actor=None, data=_data(uscc="91320621MA1MRHG207"))
    assert "should be 5" in str(err.value.message_dict["uscc"])
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.exists()


def test_override_accepts_a_historic_code_and_records_it():
    ent = enterprise_create(
        actor=None, data=_data(uscc="91350211M00013FA1N"), allow_check_override=True
    )
    assert ent.uscc_check_overridden
    assert AuditEvent.objects.get().extra["check_overridden"] is True


def test_override_does_not_excuse_structural_errors():
    with pytest.raises(ValidationError):
        enterprise_create(
            actor=None, data=_data(uscc="91350211M00013FA1"), allow_check_override=True
        )


def test_entity_type_must_match_the_code():
    with pytest.raises(ValidationError) as err:
        enterprise_create(actor=None, data=_data(entity_type="individual_business"))
    assert "expected 2" in str(err.value.message_dict["entity_type"])


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("registered_on", "2999-01-01", "future"),
        ("registered_on", "2023-02-30", "valid date"),
        ("registered_on", "1900-01-01", "1949"),
        ("industry_division", "99", "Unknown industry division"),
        ("legal_rep_id", "110105194912310021", "should be X"),
        ("registered_capital", "lots", "Not a number"),
        ("department", "nowhere", "Unknown department"),
        ("legacy_reg_no", "110108000000017", "should be 6"),
        ("name", "", "required"),
    ],
)
def test_bad_input_gets_a_field_message(field, value, fragment):
    result = enterprise_clean(_data(**{field: value}))
    assert fragment in " ".join(result.errors[field])


def test_section_must_fit_division():
    result = enterprise_clean(_data(industry_section="C"))
    assert "belongs to section H" in result.errors["industry_section"][0]


def test_control_characters_are_stripped():
    result = enterprise_clean(_data(name="坏\x00名\x07商店"))
    assert result.data["name"] == "坏名商店"
    assert not result.errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "<script>alert(1)</script>测试有限公司"),
        ("name", "测试<b>粗体</b>有限公司"),
        ("name", "全角＜标记＞有限公司"),
        ("former_names", "老名称；<i>斜体</i>商店"),
    ],
)
def test_markup_in_a_name_is_refused(field, value):
    """Pages escape names anyway; a name with markup is a mistake or an attack, never a name."""
    result = enterprise_clean(_data(**{field: value}))
    assert result.errors[field] == ["A name cannot contain the characters < or >."]


def test_duplicate_code_is_refused():
    enterprise_create(actor=None, data=_data())
    with pytest.raises(ValidationError, match="already exists"):
        enterprise_create(actor=None, data=_data(name="另一家"))


def test_update_keeps_former_name_and_audits_only_the_diff(user_with_perms):
    actor = user_with_perms()
    ent = enterprise_create(actor=None, data=_data())
    updated = enterprise_update(
        actor=actor,
        enterprise=ent,
        data={"name": "成都新名称有限公司"},
        expected_version=ent.version,
    )
    assert updated.former_names == ["成都蓉城餐饮有限公司"]
    assert updated.version == ent.version + 1
    event = AuditEvent.objects.get(event_type="enterprises.enterprise_changed")
    assert event.extra["old"]["name"] == "成都蓉城餐饮有限公司"
    assert event.actor == actor


def test_a_changed_licence_item_is_a_public_change_of_registration(user_with_perms):
    actor = user_with_perms()
    ent = enterprise_create(actor=None, data=_data())
    with translation.override("zh-hans"):
        enterprise_update(
            actor=actor,
            enterprise=ent,
            data={"name": "成都新名称有限公司", "address": "四川省成都市双流区新地址1号"},
        )
    change = CreditRecord.objects.get(enterprise=ent, kind="registration_change")
    assert change.summary == "变更登记：名称、住所"
    assert change.details["changes"]["name"] == ["成都蓉城餐饮有限公司", "成都新名称有限公司"]
    assert set(change.details["changes"]) == {"name", "address"}
    assert (change.is_public, change.publicity_start, change.recorded_by, change.occurred_on) == (
        True,  # public from its date, as 变更信息 on the publicity system (issue 13)
        timezone.localdate(),
        actor,
        timezone.localdate(),
    )
    assert change.details["entity_type"] == "company"
    # Not a licence item: no change of registration.
    enterprise_update(actor=actor, enterprise=ent, data={"division": "西航港街道"})
    assert CreditRecord.objects.filter(kind="registration_change").count() == 1
    # The capital is kept without trailing zeros, whatever its stored precision.
    enterprise_update(actor=actor, enterprise=ent, data={"registered_capital": "250.5"})
    capital = CreditRecord.objects.filter(kind="registration_change").latest("id")
    assert capital.details["changes"]["registered_capital"] == ["100", "250.5"]


@pytest.mark.parametrize("gone", ["deregistered", "cancelled"])
def test_a_correction_or_an_entity_that_no_longer_exists_writes_no_change_of_registration(gone):
    from enterprises.services.status import enterprise_status_change

    ent = enterprise_create(actor=None, data=_data())
    enterprise_update(
        actor=None, enterprise=ent, data={"name": "成都蓉城餐饮有限公司（更正）"}, correction=True
    )
    assert not CreditRecord.objects.filter(kind="registration_change").exists()
    assert AuditEvent.objects.filter(event_type="enterprises.enterprise_changed").count() == 1
    enterprise_status_change(
        actor=None, enterprise=ent, new_status=gone, effective_on=timezone.localdate()
    )
    enterprise_update(
        actor=None,
        enterprise=ent,
        data={"address": "注销后更正的地址", "name": "成都蓉城餐饮管理有限公司"},
    )
    assert not CreditRecord.objects.filter(kind="registration_change").exists()
    ent.refresh_from_db()
    assert ent.former_names == []


def test_a_corrected_name_does_not_become_a_former_name():
    """Mending a typo must not publish the typo as the entity's former name (曾用名)."""
    ent = enterprise_create(actor=None, data=_data(name="成都蓉城餐次有限公司"))
    enterprise_update(
        actor=None, enterprise=ent, data={"name": "成都蓉城餐饮有限公司"}, correction=True
    )
    ent.refresh_from_db()
    assert ent.former_names == []
    event = AuditEvent.objects.get(event_type="enterprises.enterprise_changed")
    assert event.extra["correction"] is True


def test_the_migration_turns_stored_crlf_into_lf():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("enterprises.migrations.0010_line_ends_as_lf")
    ent = enterprise_create(actor=None, data=_data(business_scope="餐饮服务"))
    Enterprise.objects.filter(pk=ent.pk).update(business_scope="餐饮服务\r\n食品销售\r零售")
    migration.forward(apps, None)
    assert Enterprise.objects.get().business_scope == "餐饮服务\n食品销售\n零售"
    enterprise_update(
        actor=None, enterprise=ent, data={"business_scope": "餐饮服务\r\n食品销售\n零售"}
    )
    assert not CreditRecord.objects.filter(kind="registration_change").exists()


def test_line_ends_of_a_textarea_are_no_change():
    """Browsers send CRLF; a scope stored with LF must not look changed on every save."""
    ent = enterprise_create(actor=None, data=_data(business_scope="餐饮服务\n食品销售"))
    enterprise_update(actor=None, enterprise=ent, data={"business_scope": "餐饮服务\r\n食品销售"})
    assert not CreditRecord.objects.filter(kind="registration_change").exists()
    assert Enterprise.objects.get().version == ent.version


def test_the_change_names_the_person_by_the_licence_title():
    ent = enterprise_create(
        actor=None,
        data=_data(uscc=make_uscc(7, entity_digit="2"), entity_type="individual_business"),
    )
    with translation.override("zh-hans"):
        enterprise_update(actor=None, enterprise=ent, data={"legal_rep_name": "李四"})
    change = CreditRecord.objects.get(kind="registration_change")
    assert change.summary == "变更登记：经营者"


def test_update_with_stale_version_is_refused_and_loses_nothing():
    ent = enterprise_create(actor=None, data=_data())
    enterprise_update(actor=None, enterprise=ent, data={"address": "新地址"}, expected_version=1)
    with pytest.raises(ValidationError, match="Someone else changed"):
        enterprise_update(actor=None, enterprise=ent, data={"name": "覆盖"}, expected_version=1)
    ent.refresh_from_db()
    assert (ent.address, ent.name) == ("新地址", "成都蓉城餐饮有限公司")


def test_stale_version_raises_conflict_error_with_the_current_version():
    """The service tells a conflict apart (pages and the API answer it with 409): checked
    before every other rule, so stale invalid data is a conflict too; a current version with
    invalid data is a plain refusal."""
    ent = enterprise_create(actor=None, data=_data())
    enterprise_update(actor=None, enterprise=ent, data={"address": "新地址"}, expected_version=1)
    with pytest.raises(ConflictError) as caught:
        enterprise_update(actor=None, enterprise=ent, data={"name": ""}, expected_version=1)
    assert caught.value.current_version == 2
    assert isinstance(caught.value, ValidationError)
    assert caught.value.messages == [
        "Someone else changed this market entity while you were editing it, so your change "
        "was not saved. Look at their change, then submit yours again."
    ]
    with pytest.raises(ValidationError) as refused:
        enterprise_update(actor=None, enterprise=ent, data={"name": ""}, expected_version=2)
    assert not isinstance(refused.value, ConflictError)
    assert Enterprise.objects.get().version == 2


def test_update_without_changes_writes_nothing():
    ent = enterprise_create(actor=None, data=_data())
    enterprise_update(actor=None, enterprise=ent, data={"name": ent.name})
    assert not AuditEvent.objects.filter(event_type="enterprises.enterprise_changed").exists()
    assert Enterprise.objects.get().version == ent.version


def test_registration_date_today_is_fine():
    today = timezone.localdate().isoformat()
    ent = enterprise_create(actor=None, data=_data(registered_on=today))
    assert ent.pk


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf"])
def test_capital_that_is_not_a_finite_number_is_refused(value):
    assert enterprise_clean(_data(registered_capital=value)).errors["registered_capital"] == [
        "Not a number."
    ]


def test_capital_is_rounded_to_storage_precision_so_reimports_are_no_ops():
    ent = enterprise_create(actor=None, data=_data(registered_capital="33.333333333333336"))
    ent.refresh_from_db()
    updated = enterprise_update(
        actor=None, enterprise=ent, data={"registered_capital": "33.333333333333336"}
    )
    assert updated.version == ent.version


def test_audit_log_never_holds_the_id_digest():
    ent = enterprise_create(actor=None, data=_data())
    enterprise_update(actor=None, enterprise=ent, data={"legal_rep_id": "110105194912310046"})
    for event in AuditEvent.objects.all():
        assert ent.legal_rep_id_digest not in str(event.extra)
        assert "legal_rep_id_digest" not in str(event.extra)
    changed = AuditEvent.objects.get(event_type="enterprises.enterprise_changed")
    assert changed.extra["new"]["legal_rep_id_masked"] == "1101**********0046"


def test_an_old_registration_number_belongs_to_one_entity():
    """Review D3."""
    from tests.enterprises.factories import make_regno

    enterprise_create(actor=None, data=_data(legacy_reg_no=make_regno(7)))
    with pytest.raises(ValidationError, match="already belongs to"):
        enterprise_create(actor=None, data=_data(uscc=make_uscc(2), legacy_reg_no=make_regno(7)))
    other = enterprise_create(actor=None, data=_data(uscc=make_uscc(3)))
    with pytest.raises(ValidationError, match="already belongs to"):
        enterprise_update(actor=None, enterprise=other, data={"legacy_reg_no": make_regno(7)})
