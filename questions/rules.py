"""Questions answered online (咨询; issue 18 §4): the periods, limits and patterns of the
questions app, each with its source. Services, forms, pages and the API read these names; no
number below is written anywhere else. Settings (`CREDIT_PORTAL[...]`) override the values
marked [local] (bureau practice, to confirm with the bureau).

Sources
- docs/domain.md §10 "Complaints and reports": 市场监督管理投诉举报处理暂行办法 (SAMR Order 20 of
  2019, amended 2022) sets clocks for 投诉 (accept within 7 WD) and 举报 (verify within 15 WD); an
  enquiry (咨询) is neither, and has **no statutory clock**. A message that is in fact a report or
  a complaint is moved into the inspections' leads, where its own legal clock runs
  (`inspections.rules`).
- The time to answer an enquiry is the bureau's practice [local], in line with the 12345/12315
  hotlines' service commitments for 咨询 (answered within a few working days); 7 WD, to confirm.
- Working days: docs/domain.md §0 "Working days" (`credit_portal.workdays`; the day the question
  came in never counts; a date over a year whose schedule is not known is provisional).
- Abuse limits without a captcha [local]: per client address per hour and per day, per contact
  per day, a hidden honeypot field, and a minimum time to fill the form, signed into the form
  (an HMAC of the time it was served). The client address is kept only as a keyed digest
  (docs/architecture.md "Personal data").
- Links and markup (issue 18 "Bad input"): a question with script or links in it is shown
  escaped everywhere (Django's autoescape) and flagged `needs_review`; its wording cannot be
  published in the FAQ unreviewed, and the published wording holds no link or markup.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings


def setting(name: str, default: Any) -> Any:
    return getattr(settings, "CREDIT_PORTAL", {}).get(name, default)


# --------------------------------------------------------------------------- the clock

# An enquiry is answered within 7 WD of the day it came in [local; to confirm]. No statutory
# clock (docs/domain.md §10: 咨询 is neither 投诉 nor 举报).
ANSWER_WORKING_DAYS: int = setting("QUESTION_ANSWER_WORKING_DAYS", 7)
# The queue marks a question "due soon" from this many working days before its due day.
DUE_SOON_WORKING_DAYS = 2

# Numbers: 咨询〔2026〕0001, one sequence a year (like the leads' 线索〔2026〕0001).
NUMBER_FORMAT = "咨询〔{year}〕{seq:04d}"
NUMBER_ATTEMPTS = 5

# --------------------------------------------------------------------------- abuse limits [local]

# Questions accepted from one client address in the last hour / the last 24 hours.
PER_ADDRESS_PER_HOUR: int = setting("QUESTIONS_PER_ADDRESS_PER_HOUR", 5)
PER_ADDRESS_PER_DAY: int = setting("QUESTIONS_PER_ADDRESS_PER_DAY", 20)
# Questions accepted giving the same phone number or email in the last 24 hours.
PER_CONTACT_PER_DAY: int = setting("QUESTIONS_PER_CONTACT_PER_DAY", 5)
# A person takes at least this long to read the form and write a question; a form sent sooner
# was filled by a program. A form older than FORM_MAX_AGE_SECONDS is stale (reload it).
MIN_FILL_SECONDS: int = setting("QUESTIONS_MIN_FILL_SECONDS", 3)
FORM_MAX_AGE_SECONDS = 24 * 3600
# The hidden field people never see and programs fill (its name looks worth filling).
HONEYPOT_FIELD = "website"
# Salts of the keyed digests (HMAC-SHA256 under the SECRET_KEY).
CLIENT_DIGEST_SALT = "questions.client-address"
CONTACT_DIGEST_SALT = "questions.contact"
FORM_TOKEN_SALT = "questions.form-started"  # noqa: S105 - a salt, not a secret

# --------------------------------------------------------------------------- lengths

TEXT_MIN = 10  # a question shorter than this says too little to answer
TEXT_MAX = 2000
ANSWER_MAX = 4000
FAQ_QUESTION_MAX = 500
FAQ_ANSWER_MAX = 4000
NAME_MAX = 64
ENTERPRISE_NAME_MAX = 200
PHONE_MAX = 32
REASON_MAX = 300
SEARCH_MAX = 100

# --------------------------------------------------------------------------- telling the asker

# An asker who left an e-mail address is told once that the answer is given (docs/domain.md §10
# "Enquiries"; `questions.services.notices`). A message the mail server refuses (or that could not
# connect) is tried again at the next run (beat: every minute; without beat, the next
# `manage.py send_answer_notices`) up to NOTICE_MAX_ATTEMPTS times, then marked failed. Any other
# error once the message went, and a claim older than NOTICE_CLAIM_SECONDS (its worker died
# while sending), leave the message maybe sent: marked uncertain and never sent again. The claim
# time must outlast the mail server's timeout (settings EMAIL_TIMEOUT) by far.
NOTICE_MAX_ATTEMPTS = 5
NOTICE_CLAIM_SECONDS = 10 * 60
# The most messages one run sends (the next run, a minute later, sends the rest). The send
# right after an answer (no beat) sends that question's message only.
NOTICE_BATCH = 200

# --------------------------------------------------------------------------- links and markup

# What counts as a link: a scheme (http:, https:, ftp:, javascript:, data:, vbscript:, file:),
# "www.", a bare domain with a common top-level domain (example.com, 例子.cn/x), or a Markdown
# link. What counts as markup: an HTML tag or comment (<b>, </script>, <!-- -->), or an HTML
# character reference (&#60; &lt;), which serve to smuggle tags past a filter.
LINK_PATTERN = re.compile(
    r"(?ix)"
    r"(?:\b(?:https?|ftp|javascript|data|vbscript|file)\s*:)"
    r"|(?:\bwww\d{0,3}\.)"
    r"|(?:\b[\w\-]+(?:\.[\w\-]+)*\.(?:com|cn|net|org|info|top|xyz|vip|cc|io|me|biz|club|shop|site|"
    r"online|link|ly|gov|edu|co|tk|ru|app|dev)\b(?:/\S*)?)"
    r"|(?:\[[^\]]*\]\([^)]*\))"
)
MARKUP_PATTERN = re.compile(r"(?:<\s*[a-zA-Z!/?][^>]*>?)|(?:&#?[a-zA-Z0-9]+;)")


def link_or_markup(text: str) -> list[str]:
    """What in `text` needs a review before it may be published: the kinds found, "link" and/or
    "markup" (empty: nothing). Plain Chinese and English text, numbers, dates, amounts (12.50元)
    and phone numbers are not flagged."""
    found: list[str] = []
    if LINK_PATTERN.search(text or ""):
        found.append("link")
    if MARKUP_PATTERN.search(text or ""):
        found.append("markup")
    return found
