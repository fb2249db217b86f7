"""The bar on the legal representative of an enterprise on the serious list (条例 art. 17;
docs/domain.md §3, §10): matched on the identity number's digest, never the name; refused by
the register's services, its form, its API and its import, unless a registrar allowed to
override gives a reason (audited); lifted bars and bars whose time is over refuse nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from credit_portal.models import AuditEvent
from enterprises.identity import id_digest, mask_id
from enterprises.models import Enterprise, RepresentativeBar
from enterprises.permissions import EnterprisePerm as P
from enterprises.services.bars import (
    representative_bar_record,
    representative_bars_active,
    representative_bars_lift,
)
from enterprises.services.imports import enterprises_import
from enterprises.services.register import enterprise_create, enterprise_update
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, register_data
from tests.enterprises.test_import import csv_bytes, row

pytestmark = pytest.mark.django_db

BARRED_ID = "510116198001011231"
OTHER_ID = "510116198505054569"
OVERRIDE = "enterprises.override_representativebar"


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def listed():
    """An enterprise on the serious list whose legal representative (李四, BARRED_ID) is
    barred from a year ago for 3 years."""
    DepartmentFactory()
    firm = EnterpriseFactory(
        name="成都失信示例有限公司",
        legal_rep_name="李四",
        legal_rep_id_masked=mask_id(BARRED_ID),
        legal_rep_id_digest=id_digest(BARRED_ID),
        on_serious_list=True,
    )
    start = _today() - dt.timedelta(days=365)
    bar = representative_bar_record(
        enterprise=firm,
        barred_from=start,
        barred_until=start + dt.timedelta(days=3 * 365),
        source=firm,
    )
    return firm, bar


def _data(seed: int = 901, **over):
    return register_data(seed, **over)


# --------------------------------------------------------------------------- the rule


def test_the_bar_is_recorded_once_per_source_and_found_by_digest(listed):
    firm, bar = listed
    again = representative_bar_record(
        enterprise=firm, barred_from=bar.barred_from, barred_until=bar.barred_until, source=firm
    )
    assert again.pk == bar.pk
    assert RepresentativeBar.objects.count() == 1
    assert (bar.id_masked, bar.name) == (mask_id(BARRED_ID), "李四")
    assert [
        b.pk for b in representative_bars_active(id_digest=id_digest(BARRED_ID), on=_today())
    ] == [bar.pk]
    assert representative_bars_active(id_digest=id_digest(OTHER_ID), on=_today()) == []
    assert representative_bars_active(id_digest="", on=_today()) == []
    assert (
        AuditEvent.objects.filter(event_type="enterprises.representative_bar_recorded").count() == 1
    )


def test_a_representative_without_an_identity_number_is_recorded_as_missing():
    DepartmentFactory()
    firm = EnterpriseFactory(legal_rep_id_digest="", legal_rep_id_masked="")
    bar = representative_bar_record(
        enterprise=firm, barred_from=_today(), barred_until=_today(), source=firm
    )
    assert bar.id_digest == ""
    event = AuditEvent.objects.get(event_type="enterprises.representative_bar_recorded")
    assert event.extra["missing"] is True
    # An empty digest matches nobody.
    assert representative_bars_active(id_digest="", on=_today()) == []


def test_same_name_with_another_identity_number_passes(listed):
    created = enterprise_create(
        actor=None, data=_data(legal_rep_name="李四", legal_rep_id=OTHER_ID)
    )
    assert created.legal_rep_name == "李四"


def test_same_identity_number_with_another_name_is_refused(listed):
    firm, _bar = listed
    with pytest.raises(ValidationError) as refused:
        enterprise_create(actor=None, data=_data(legal_rep_name="王五", legal_rep_id=BARRED_ID))
    message = " ".join(refused.value.message_dict["legal_rep_id"])
    assert "barred from being a legal representative until" in message
    assert firm.name in message and "serious illegal and dishonest list" in message
    assert not Enterprise.objects.filter(name="成都蓉城餐饮有限公司").exists()


def test_a_lifted_bar_or_one_whose_time_is_over_refuses_nothing(listed):
    firm, bar = listed
    representative_bars_lift(source=firm, on=_today(), actor=None, reason="revoked")
    enterprise_create(actor=None, data=_data(901, legal_rep_id=BARRED_ID))
    assert (
        AuditEvent.objects.filter(event_type="enterprises.representative_bar_lifted").count() == 1
    )
    RepresentativeBar.objects.filter(pk=bar.pk).update(
        lifted_on=None, barred_until=_today() - dt.timedelta(days=1)
    )
    enterprise_create(actor=None, data=_data(902, legal_rep_id=BARRED_ID))


def test_the_override_needs_the_permission_and_is_audited(listed, user_with_perms):
    firm, bar = listed
    plain = user_with_perms(P.VIEW, P.ADD)
    with pytest.raises(ValidationError) as refused:
        enterprise_create(
            actor=plain, data=_data(legal_rep_id=BARRED_ID), bar_override_reason="法院判决撤销"
        )
    assert "bar_override_reason" in refused.value.message_dict
    registrar = user_with_perms(P.VIEW, P.ADD, OVERRIDE)
    created = enterprise_create(
        actor=registrar, data=_data(legal_rep_id=BARRED_ID), bar_override_reason="法院判决撤销"
    )
    event = AuditEvent.objects.get(event_type="enterprises.representative_bar_overridden")
    assert (event.actor, event.enterprise_id) == (registrar, created.pk)
    assert event.extra["reason"] == "法院判决撤销"
    assert event.extra["bar"] == bar.pk and event.extra["listed_enterprise"] == firm.uscc


def test_an_update_refuses_a_barred_new_representative_but_not_the_current_one(listed):
    firm, _bar = listed
    other = enterprise_create(actor=None, data=_data(legal_rep_id=OTHER_ID))
    with pytest.raises(ValidationError) as refused:
        enterprise_update(
            actor=None, enterprise=other, data={"legal_rep_id": BARRED_ID}, expected_version=1
        )
    assert "barred" in " ".join(refused.value.message_dict["legal_rep_id"])
    # The listed enterprise keeps its own representative: no appointment to another one.
    enterprise_update(
        actor=None,
        enterprise=firm,
        data={"legal_rep_id": BARRED_ID, "address": "新地址1号"},
        expected_version=firm.version,
    )


# --------------------------------------------------------------------------- the form


def test_the_form_refuses_and_a_registrar_overrides_with_a_reason(client, listed, user_with_perms):
    url = reverse("enterprises:create")
    clerk = user_with_perms(P.VIEW, P.ADD)
    client.force_login(clerk)
    client.cookies["cp_language"] = "en"
    assert 'name="bar_override_reason"' not in client.get(url).content.decode()
    refused = client.post(url, _data(legal_rep_id=BARRED_ID, business_scope="餐饮服务"))
    assert refused.status_code == 400
    assert any("barred" in e for e in refused.context["form"].errors["legal_rep_id"])
    registrar = user_with_perms(P.VIEW, P.ADD, OVERRIDE)
    client.force_login(registrar)
    page = client.get(url).content.decode()
    assert 'name="bar_override_reason"' in page
    done = client.post(
        url,
        {
            **_data(legal_rep_id=BARRED_ID, business_scope="餐饮服务"),
            "bar_override_reason": "复议撤销",
        },
    )
    assert done.status_code == 302
    assert (
        AuditEvent.objects.get(event_type="enterprises.representative_bar_overridden").extra[
            "reason"
        ]
        == "复议撤销"
    )


# --------------------------------------------------------------------------- the API


def test_the_api_refuses_and_overrides(api_client_for, listed, user_with_perms):
    url = reverse("enterprises-api:enterprise-list")
    clerk = api_client_for(user_with_perms(P.VIEW, P.ADD))
    refused = clerk.post(
        url, _data(legal_rep_id=BARRED_ID), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 400
    assert any("barred" in m for m in refused.json()["errors"]["legal_rep_id"])
    no_perm = clerk.post(
        url,
        {**_data(legal_rep_id=BARRED_ID), "bar_override_reason": "理由"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert no_perm.status_code == 400
    assert "bar_override_reason" in no_perm.json()["errors"]
    registrar = api_client_for(user_with_perms(P.VIEW, P.ADD, OVERRIDE))
    done = registrar.post(
        url, {**_data(legal_rep_id=BARRED_ID), "bar_override_reason": "理由"}, format="json"
    )
    assert done.status_code == 201, done.json()
    same_name = clerk.post(
        url, _data(902, legal_rep_name="李四", legal_rep_id=OTHER_ID), format="json"
    )
    assert same_name.status_code == 201


# --------------------------------------------------------------------------- the import


def test_the_import_refuses_a_barred_representative_and_keeps_a_current_one(listed):
    firm, _bar = listed
    rows = [
        row(1, legal_rep_id=BARRED_ID, legal_rep_name="王五"),
        row(2, legal_rep_id=OTHER_ID, legal_rep_name="李四"),
        # The listed enterprise itself, keeping its representative: no appointment.
        row(
            3,
            uscc=firm.uscc,
            name=firm.name,
            legal_rep_id=BARRED_ID,
            legal_rep_name="李四",
        ),
    ]
    outcome = enterprises_import(
        file=io.BytesIO(csv_bytes(rows)), file_name="register.csv", actor=None
    )
    assert outcome.error_rows == 1, outcome.errors
    error = outcome.errors[0]
    assert error["row"] == 2 and "barred" in error["message"]
    assert outcome.created == 1
    assert not Enterprise.objects.filter(uscc=rows[0]["uscc"]).exists()
    assert Enterprise.objects.filter(uscc=rows[1]["uscc"]).exists()
