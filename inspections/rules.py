""" "Double random, one public": the periods, limits and codes of the inspections app, each with
its source in docs/domain.md (§2 random checks, §7 observation and suspension, §10 complaints
and reports). Services, the draw, jobs and pages read these names; no number below is written
anywhere else. Settings (`CREDIT_PORTAL[...]`) override the local-practice values.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from enterprises import rules as register_rules


def setting(name: str, default: Any) -> Any:
    return getattr(settings, "CREDIT_PORTAL", {}).get(name, default)


# The draw's algorithm (docs/architecture.md "Inspections"; `inspections.verify`).
ALGORITHM = "draw/v1"

# At least two inspectors per firm (APL art. 42; §2 "Inspectors and recusal").
MIN_INSPECTORS = 2
# Each inspector's load in one draw is capped at LOAD_SLACK × the even share, rounded up,
# plus one (issue 17 "Performance": assign in ticket order with a cap on each load).
LOAD_SLACK_PERCENT = 150

# Class A keeps a floor above zero (§7: classification exempts no one from checks) [local].
A_FLOOR_PERCENT = "0.50"
# Order 67: at least 3 % of enterprises per jurisdiction and year (§2) [S].
YEARLY_MINIMUM_PERCENT = 3

# Pool exclusions (issue 17 §2; §7 "Observation and tolerance periods", seed district):
# a new entity is out of general items for one year from registration; a suspended entity
# is out while its filed period runs, for at most three years in total (the register's
# limit, enterprises.rules).
OBSERVATION_DAYS = 365
CLOSED_STATUSES = register_rules.CLOSED_STATUSES  # 注销, 吊销, 撤销, 迁出 (enterprises.rules)

# Publication of results within 20 WD after the check ends (§2 "Publication") [S].
PUBLICATION_WORKING_DAYS = 20
# Reminders: a result due within this many working days is "due soon" on the task lists.
DUE_SOON_WORKING_DAYS = 5

# Leads (§10 "Complaints and reports", 市场监督管理投诉举报处理暂行办法) [V].
REPORT_VERIFY_WORKING_DAYS = 15
REPORT_EXTENSION_WORKING_DAYS = 15
REPORT_NOTIFY_WORKING_DAYS = 5
COMPLAINT_ACCEPT_WORKING_DAYS = 7
COMPLAINT_MEDIATION_WORKING_DAYS = 45
# A triggered inspection is due this many working days after the lead's decision [local].
TRIGGERED_DUE_WORKING_DAYS = 20
# A lead's number: 线索〔2026〕0001, numbered per year of entry (bureau practice) [local].
LEAD_NUMBER_FORMAT = "线索〔{year}〕{seq:04d}"
# The receipt code a reporter keeps to follow a lead: this many characters of an alphabet
# without look-alikes (32 symbols: 5 bits each, 80 bits), shown once, stored as a SHA-256
# digest only (as activation codes are: docs/architecture.md "Personal data").
RECEIPT_CODE_LENGTH = 16

# Result codes, newer list (§2 "Result codes"); several may be combined, except that "1"
# (no problem) stands alone.
RESULT_CODES: dict[str, Any] = {
    "1": _("No problem found"),
    "A": _("Problem found, follow-up pending"),
    "B": _("Required information not publicised"),
    "C": _("Publicised information false"),
    "D": _("Other registration-rule violation"),
    "E": _("Problem found, corrected on order"),
    "F": _("The checked activity is not carried on"),
    "G": _("Violation of public-security rules"),
    "3": _("Violation of food and drug rules"),
    "4": _("Violation of quality-supervision rules"),
    "5": _("Violation of other departments' rules"),
    "6": _("Cannot be reached at the registered address"),
    "7": _("Closed or in liquidation"),
    "8": _("Serious refusal to cooperate"),
    "9": _("Deregistered"),
    "10": _("Licence revoked"),
    "11": _("Registration cancelled"),
    "12": _("Moved out"),
}
NO_PROBLEM = "1"
# Codes that mean a problem was found (the share per class, "does the class predict?").
PROBLEM_CODES = ("A", "B", "C", "D", "E", "G", "3", "4", "5", "6", "8")
# What a result leads to (§2 "What a result leads to"; issue 17 §6).
ORDER_TO_DISCLOSE = "B"  # remediation.services.orders.order_create (10 days)
FALSE_INFORMATION = "C"  # reason-3 listing unless self-correction applies
UNREACHABLE = "6"  # reason-4 listing (IB: marked) once a supervisor confirms
NON_COOPERATION = "8"  # published (条例 art. 15)
# The result codes in the publicity system's own words (§2 "Result codes", newer list [V]):
# the published `inspection_result` fact's summary names them.
RESULT_CODES_ZH: dict[str, str] = {
    "1": "未发现问题",
    "A": "发现问题待后续处理",
    "B": "未按规定公示应当公示的信息",
    "C": "公示信息隐瞒真实情况弄虚作假",
    "D": "违反其他工商行政管理规定行为",
    "E": "发现问题经责令已改正",
    "F": "未发现开展本次抽查涉及的经营活动",
    "G": "违反公安管理规定行为",
    "3": "违反食品药品管理规定行为",
    "4": "违反质量监督管理规定行为",
    "5": "违反其他部门管理规定行为",
    "6": "通过登记的住所（经营场所）无法联系",
    "7": "已关闭停业或正在组织清算",
    "8": "不配合检查情节严重",
    "9": "已注销",
    "10": "被吊销",
    "11": "被撤销",
    "12": "已迁出",
}
# Listing reasons of the abnormal directory (§3) whose listing waits out the punishment buffer
# (惩戒缓冲) first: issue 17 §6, "a setting per reason, on by default for reason 1 only"
# (setting CREDIT_PORTAL["INSPECTION_BUFFER_REASONS"]). Remediation defers only reason 1 (the
# annual-report deadline run's buffer); `directory_list` (reasons 2-4) lists at once, so a
# reason 3 or 4 named here is reported as unsupported on the follow-up and listed at once
# (`inspections.services.inspections.buffer_applies`).
BUFFER_REASONS: tuple[str, ...] = ("1",)
# Reasons remediation can defer into its buffer (remediation.services.directory: reason 1).
BUFFER_SUPPORTED_REASONS: tuple[str, ...] = ("1",)
