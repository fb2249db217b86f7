"""Penalty decisions (行政处罚决定, 不予行政处罚决定) with their leniency, and the publicity of
their information (docs/domain.md §5, §6, §10; SAMR Order 45).

The workflow
- `penalty_draft_save`: a draft is made and edited freely; only its shape, its number (used
  once, by decisions and by the credit ledger's penalty records), its statutory range (the
  catalogue's when the violation type has one) and its impossible dates are checked.
- `penalty_record`: every rule of §6 is checked (the dates, the number, limitation, the
  first-violation look-back, the list items, the range and the 从轻 band, the grounds and
  facts of any leniency, the penalties themselves and the limits of the simple procedure),
  each refusal naming its reason; then the
  publicity is computed (`remediation.rules.publicity_term`), and for a market entity of the
  register the ledger fact is written: `penalty`, public for its term from its publication,
  or `no_penalty` (never public) for a decision not to penalise, which also opens the
  education action (警示告诫书, APL art. 33 para 3) through
  `remediation.services.soft_actions.soft_action_create`.
- `penalty_publish_record`, `penalty_push_record`: the publication of a decision about a
  party outside the register, and the push of one about a party of another province (Order
  45 arts. 9, 10). A decision about a market entity of the register is published by recording
  it: the portal's ledger is the bureau's publication (the public profile and API).
- `penalty_withdraw`: a decision changed, revoked or found void is withdrawn (art. 11): a
  `penalty_withdrawal` fact closes the penalty record, which the public pages show no more; a
  record already closed (its term ended, it was repaired) gets a `penalty_withdrawn_note` that
  names it, so the history never reads a revoked decision as a valid penalty.
- `penalty_decision_document`: the 行政处罚决定书 or 不予行政处罚决定书 as an official document.

Every write locks the decision row, checks the version the caller read (a stale one is a
`ConflictError`) and that the decision's department is of the actor's jurisdiction (the
bureau: any; a partner department: its own; `penalty_in_jurisdiction`), writes its audit event
and its ledger facts in one transaction. The pages and the API answer 404 before that, since
such a decision is not visible (`penalties_for_user`); the service's refusal is the second line.

The package, a module per area:
- `drafts`: a draft saved and checked (`penalty_draft_save`, `penalty_draft_check`), its party,
  its number and its range;
- `checks`: the checks of §6 made when a decision is recorded (`penalty_checks`: leniency,
  limitation, the look-back, the list items, the range, the penalties), `decision_nature`,
  `decision_lookback`;
- `recording`: `penalty_record`, `penalty_publish_record`, `penalty_push_record`,
  `penalty_withdraw`, the ledger facts and the education action;
- `documents`: `penalty_decision_document` and its text;
- `ranges`: the catalogue's statutory range (`catalogue_range`, `decision_range`);
- `common`: what they share (the choices, the Chinese texts, `yuan`, the lock, the jurisdiction
  check, the checks of dates and numbers).
Callers import the names below from this package.
"""

from remediation.services.penalties.checks import decision_lookback, decision_nature
from remediation.services.penalties.common import LENIENCY_ZH, measures_text_zh, yuan
from remediation.services.penalties.documents import penalty_decision_document
from remediation.services.penalties.drafts import penalty_draft_check, penalty_draft_save
from remediation.services.penalties.ranges import (
    RANGE_FIELDS,
    catalogue_range,
    catalogue_range_text,
    decision_range,
)
from remediation.services.penalties.recording import (
    EDUCATION_NOT_SERVED,
    penalty_publish_record,
    penalty_push_record,
    penalty_record,
    penalty_withdraw,
    public_summary_default,
)

__all__ = [
    "EDUCATION_NOT_SERVED",
    "LENIENCY_ZH",
    "RANGE_FIELDS",
    "catalogue_range",
    "catalogue_range_text",
    "decision_lookback",
    "decision_nature",
    "decision_range",
    "measures_text_zh",
    "penalty_decision_document",
    "penalty_draft_check",
    "penalty_draft_save",
    "penalty_publish_record",
    "penalty_push_record",
    "penalty_record",
    "penalty_withdraw",
    "public_summary_default",
    "yuan",
]
