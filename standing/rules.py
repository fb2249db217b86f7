"""Letters of good standing (信用状况证明): who may have one, what it states, how long it can be
verified, and how its code looks. Each number with its source; docs/domain.md §11 explains
the rule as a whole.

What "no fault in force" means here (docs/domain.md §11), all read from
the credit ledger as it stands on the day (the state rule `enterprises.state.state_fold`, the
fold that `enterprise_state_as_of` and the self-service page use):

1. Not in the abnormal operations directory, and an individual business not marked as operating
   abnormally (the same ledger kind, `details["individual_business"]`): a listing that no
   removal, repair or revocation has closed (条例 art. 17, Order 68/101; §3).
2. Not on the serious illegal and dishonest list (条例 art. 17, Order 44; §3, §5).
3. No administrative penalty whose publicity is in force (Order 45 art. 13: the record is shown
   on the publicity system; once its term ends or it is repaired, it is not a fault; §5).
4. Registration status operating or suspended. Deregistered, revoked and moved-out entities get
   no letter (a letter speaks for a live entity this bureau supervises; moved out: another
   bureau holds its records, §2, §4). A suspension (歇业) is lawful (市场主体登记管理条例 art. 30,
   细则 art. 40-43; §7) and is not a fault: the letter states it, with its end date, and the
   bank judges.
5. The annual report for the last year whose deadline (30 June) has passed is filed, if it was
   due (条例 art. 8; §4; `annual_reports.rules.report_due`).

Not a fault: a listing pending in the punishment buffer (暂缓列入, §3 "Deferred listing"). It is
not a listing, and it is never public. But the entity in the buffer has, by definition, not filed
a report that was due, so rule 5 refuses its letter until it files; once it has filed (which
also closes the buffer without listing) it may have its letter the same day. The letter never
mentions the buffer.

Also not a fault: warnings, suggestions and interviews (soft enforcement, §9), decisions not to
penalise (§6), inspection results (§2) and the risk class (internal, §1). The letter states
only what it checked.
"""

from __future__ import annotations

# How long a letter can be verified after it is issued, in calendar days (bureau practice
# [local, to confirm with the bureau: open point]; banks commonly accept a credit certificate
# issued within the last 30 days, and a short term keeps a letter from outliving the facts it
# states). The letter's own date (as_of) is what it speaks for; after this it reads "expired".
VALID_DAYS = 30

# Letters an enterprise may have issued in one calendar day (bureau practice [local]): enough
# for several banks, few enough that the button cannot be used to fill the table.
LETTERS_PER_DAY = 5

# The verification code: 16 characters of Crockford's base32 (no I, L, O, U: nothing a reader
# confuses), 80 random bits from `secrets`, written in four groups of four (XXXX-XXXX-XXXX-XXXX)
# to be typed from paper. Never sequential, never derived from the enterprise.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4
CODE_LENGTH = CODE_GROUPS * CODE_GROUP_LENGTH
# What a reader may type for a letter (I, L → 1; O → 0: Crockford's decoding), spaces and
# dashes ignored; anything longer than this is not a code.
CODE_INPUT_MAX = 40

# The title of the document (in Chinese always: official documents have no English variant,
# credit_portal.documents).
LETTER_TITLE = "企业信用状况证明"

# The statements a letter makes, in the order printed (each checked on `as_of`). The keys
# are stable (the API returns them); the texts are Chinese, as the document prints them.
STATEMENT_TEXTS = {
    "status": "登记状态：{status}",
    "abnormal": "未被列入经营异常名录",
    "abnormal_individual": "未被标记为经营异常状态",
    "serious": "未被列入严重违法失信名单",
    "penalty": "无处于公示期内的行政处罚信息",
    "annual_report": "{year}年度报告已按规定报送公示",
    "annual_report_not_due": "截至该日无到期未报送的年度报告",
}
STATUS_TEXTS = {"operating": "存续（在营）", "suspended": "歇业"}
