"""Builders for the questions tests: bureau and partner staff, questions asked through the
service, a form token served long enough ago. Plain functions."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role
from questions.models import Question
from questions.services import question_ask
from questions.services.abuse import form_token_new

_seq = itertools.count(1)


def bureau() -> Department:
    return Department.objects.get_or_create(
        code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
    )[0]


def partner() -> Department:
    return Department.objects.get_or_create(code="health", defaults={"name": "区卫生健康局"})[0]


def staff(
    *codenames: str, role: Role | None = None, dept: Department | None = None, **fields: Any
) -> User:
    user = User.objects.create_user(
        username=f"qstaff{next(_seq)}", password="Secret-pass-123", **fields
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=str(role)))
    for full in codenames:
        app_label, codename = full.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    StaffProfile.objects.create(user=user, department=dept or bureau())
    return User.objects.get(pk=user.pk)


def officer() -> User:
    """A bureau credit officer: answers questions, handles leads."""
    return staff(role=Role.CREDIT_OFFICER)


def supervisor() -> User:
    return staff(role=Role.SUPERVISOR)


def token(seconds_ago: int = 30) -> str:
    return form_token_new(now=time.time() - seconds_ago)


def ask(**over: Any) -> tuple[Question, str]:
    data: dict[str, Any] = {
        "party": "merchant",
        "topic": "annual_reports",
        "text": "请问个体工商户的年报是每年什么时候报？",
        "client_address": f"10.0.0.{next(_seq) % 250 + 1}",
    }
    data.update(over)
    return question_ask(**data)


def asked_days_ago(days: int, **over: Any) -> Question:
    at = timezone.now() - dt.timedelta(days=days)
    return ask(asked_at=at, **over)[0]


def form_data(**over: Any) -> dict[str, str]:
    data = {
        "party": "consumer",
        "topic": "market",
        "text": "超市里过期的酸奶还在卖，我应该找谁？",
        "enterprise_name": "",
        "name": "",
        "phone": "",
        "email": "",
        "started": token(),
        "website": "",
    }
    data.update(over)
    return data
