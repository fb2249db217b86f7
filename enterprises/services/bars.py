"""The bar on the legal representative of an enterprise on the serious illegal and dishonest
list (条例 art. 17 [V]; docs/domain.md §3 "The 3-year rule", §10): the person may not be the
legal representative or responsible person of another enterprise for 3 years from the listing
day. The register keeps the bars (`RepresentativeBar`), written by the app that lists
(`remediation.services.serious`), and refuses the appointment of a barred person.

Matched on the keyed digest of the identity number (`enterprises.identity.id_digest`), never on
the name: names are not unique (§10). A legal representative whose identity number the register
does not hold cannot be matched: the bar is then recorded with an empty digest ("missing"), so
that the staff pages warn that it cannot be enforced.

One rule, one place (`BarIndex.refusal`): the forms and the API reach it through the register's
services (`representative_bar_check` from `enterprise_check`, `enterprise_create`,
`enterprise_update`), the import through its validating thread, which preloads the active bars
once (`representative_bar_index`) and so touches no database per row. An appointment is a new
person for the enterprise: the digest differs from the one it holds (an unchanged row of an
import, or a form saved again, appoints nobody); the listed enterprise itself is not "another
enterprise". A user holding `enterprises.override_representativebar` may register the person
anyway, with a reason, which the audit log keeps (`representative_bar_override_record`); the
import never overrides (as with a failed check character, an officer does it in the form).

A bar is active on day D when `barred_from <= D <= barred_until` and it has not been lifted
(`lifted_on` is None or after D). It is lifted when the serious listing behind it is revoked, or
removed early by credit repair, which lifts the measures attached (§5 "What counts as repair");
the natural end of the listing's term leaves it to run its own 3 years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.models import User
from enterprises.models import Enterprise, RepresentativeBar

OVERRIDE_PERM = "enterprises.override_representativebar"
BAR_RECORDED = "enterprises.representative_bar_recorded"
BAR_LIFTED = "enterprises.representative_bar_lifted"
BAR_OVERRIDDEN = "enterprises.representative_bar_overridden"
OVERRIDE_REASON_MAX = 300


def _active(on: dt.date) -> Q:
    return (
        Q(barred_from__lte=on, barred_until__gte=on)
        & ~Q(id_digest="")
        & (Q(lifted_on__isnull=True) | Q(lifted_on__gt=on))
    )


@dataclass(frozen=True)
class BarRefusal:
    """An active bar that refuses an appointment, with what the message names."""

    bar_id: int
    listed_enterprise_id: int
    listed_name: str
    listed_uscc: str
    barred_from: dt.date
    barred_until: dt.date

    @property
    def message(self) -> str:
        """In the user's language (the import's thread runs under the request's)."""
        return _(
            "This person is barred from being a legal representative until %(until)s, because "
            "%(enterprise)s (%(uscc)s) is on the serious illegal and dishonest list "
            "(企业信息公示暂行条例 art. 17). The identity number decides, not the name."
        ) % {
            "until": date_format(self.barred_until, "DATE_FORMAT"),
            "enterprise": self.listed_name,
            "uscc": self.listed_uscc,
        }


@dataclass
class BarIndex:
    """The active bars of a day, by digest, and which enterprises hold a barred digest now
    (by credit code): what `refusal` needs, read once (`representative_bar_index`)."""

    on: dt.date
    bars: dict[str, list[BarRefusal]] = field(default_factory=dict)
    holders: dict[str, str] = field(default_factory=dict)

    def refusal(
        self, *, id_digest: str, uscc: str = "", current_digest: str | None = None
    ) -> BarRefusal | None:
        """The bar that refuses appointing the person with `id_digest` to the enterprise with
        credit code `uscc` (empty: a new enterprise), or None.

        Rules: no digest, no match (never on the name); not an appointment when the enterprise
        holds this digest already (`current_digest`, else as read by the index); a bar caused
        by this very enterprise does not count (the bar is on *another* enterprise); of several
        bars the one that runs longest is named. Pure: no database."""
        if not id_digest:
            return None
        held = current_digest if current_digest is not None else self.holders.get(uscc)
        if held == id_digest:
            return None
        found = [b for b in self.bars.get(id_digest, []) if not (uscc and b.listed_uscc == uscc)]
        if not found:
            return None
        return max(found, key=lambda b: (b.barred_until, b.bar_id))


def representative_bar_index(*, on: dt.date, digests: Iterable[str] | None = None) -> BarIndex:
    """The bars active on `on` (all, or those of `digests`) and the enterprises that hold a
    barred digest now. Two queries; the import reads it once per file.
    Uses index: the bars' id_digest index (digests given), ent_legal_rep_digest_idx."""
    wanted = None if digests is None else sorted({d for d in digests if d})
    index = BarIndex(on=on)
    if wanted == []:
        return index
    rows = RepresentativeBar.objects.filter(_active(on))
    if wanted is not None:
        rows = rows.filter(id_digest__in=wanted)
    for bar in rows.select_related("listed_enterprise").order_by("id"):
        index.bars.setdefault(bar.id_digest, []).append(
            BarRefusal(
                bar_id=bar.pk,
                listed_enterprise_id=bar.listed_enterprise_id,
                listed_name=bar.listed_enterprise.name,
                listed_uscc=bar.listed_enterprise.uscc,
                barred_from=bar.barred_from,
                barred_until=bar.barred_until,
            )
        )
    if index.bars:
        index.holders = dict(
            Enterprise.objects.filter(legal_rep_id_digest__in=list(index.bars)).values_list(
                "uscc", "legal_rep_id_digest"
            )
        )
    return index


def representative_bars_active(*, id_digest: str, on: dt.date) -> list[RepresentativeBar]:
    """The bars on the person with this digest active on `on`, longest first (none for an
    empty digest)."""
    if not id_digest:
        return []
    return list(
        RepresentativeBar.objects.filter(_active(on), id_digest=id_digest)
        .select_related("listed_enterprise")
        .order_by("-barred_until", "-id")
    )


def representative_bar_check(
    *,
    actor: User | None,
    id_digest: str,
    enterprise: Enterprise | None = None,
    override_reason: str = "",
    on: dt.date,
) -> tuple[BarRefusal, str] | None:
    """Whether the appointment of the person with `id_digest` to `enterprise` (None: a new one)
    may go ahead on `on`.

    Rules: `BarIndex.refusal`; a barred person is refused on "legal_rep_id" with the bar's
    message, unless `override_reason` is given by a user holding `OVERRIDE_PERM` (a reason
    without the permission is refused too, on "bar_override_reason").
    Returns None when nobody is barred, else (the bar overridden, the reason), which the caller
    records with `representative_bar_override_record` in its transaction. Side effects: none."""
    index = representative_bar_index(on=on, digests=[id_digest])
    refusal = index.refusal(
        id_digest=id_digest,
        uscc=enterprise.uscc if enterprise is not None else "",
        current_digest=enterprise.legal_rep_id_digest if enterprise is not None else "",
    )
    if refusal is None:
        return None
    reason = (override_reason or "").strip()
    if not reason:
        raise ValidationError({"legal_rep_id": [refusal.message]}, code="barred")
    if actor is None or not actor.has_perm(OVERRIDE_PERM):
        raise ValidationError(
            {
                "bar_override_reason": [
                    _(
                        "Only a registrar allowed to override the bar on legal representatives "
                        "may register a barred person."
                    )
                ]
            },
            code="barred",
        )
    if len(reason) > OVERRIDE_REASON_MAX:
        raise ValidationError(
            {"bar_override_reason": [_("At most %(n)d characters.") % {"n": OVERRIDE_REASON_MAX}]}
        )
    return refusal, reason


def representative_bar_override_record(
    *, actor: User | None, enterprise: Enterprise, overridden: tuple[BarRefusal, str]
) -> None:
    """The audit event of an override (`representative_bar_check` returned it): who, the bar,
    the enterprise on the serious list and the reason. Inside the caller's transaction."""
    refusal, reason = overridden
    audit_event_record(
        actor=actor,
        event_type=BAR_OVERRIDDEN,
        target=enterprise,
        enterprise=enterprise,
        extra={
            "bar": refusal.bar_id,
            "listed_enterprise": refusal.listed_uscc,
            "barred_until": refusal.barred_until,
            "reason": reason,
        },
    )


@transaction.atomic
def representative_bar_record(
    *,
    enterprise: Enterprise,
    barred_from: dt.date,
    barred_until: dt.date,
    source: models.Model,
    actor: User | None = None,
) -> RepresentativeBar:
    """Bar the legal representative of `enterprise` (listed on the serious list by `source`)
    from `barred_from` to `barred_until`, both included.

    Rules: the person is the enterprise's legal representative now, identified by the digest
    the register holds (with the masked number and the name, for the staff pages); without a
    digest the bar is recorded with an empty one ("missing": it matches nobody, and the staff
    pages warn). One bar per source: a second call returns the first row unchanged.
    Side effects: the row; an audit event (`enterprises.representative_bar_recorded`, with
    "missing" when there was no digest)."""
    key = {
        "source_app": source._meta.app_label,
        "source_model": source._meta.model_name or "",
        "source_id": str(source.pk),
    }
    found = RepresentativeBar.objects.filter(**key).first()
    if found is not None:
        return found
    bar = RepresentativeBar.objects.create(
        id_digest=enterprise.legal_rep_id_digest or "",
        id_masked=enterprise.legal_rep_id_masked or "",
        name=enterprise.legal_rep_name or "",
        listed_enterprise=enterprise,
        barred_from=barred_from,
        barred_until=barred_until,
        **key,
    )
    audit_event_record(
        actor=actor,
        event_type=BAR_RECORDED,
        target=bar,
        enterprise=enterprise,
        extra={
            "bar": bar.pk,
            "barred_from": barred_from,
            "barred_until": barred_until,
            "missing": not bar.id_digest,
            "source": f"{key['source_app']}.{key['source_model']}:{key['source_id']}",
        },
    )
    return bar


def representative_bars_record_many(
    *,
    rows: list[tuple[Enterprise, dt.date, dt.date, models.Model]],
) -> list[RepresentativeBar]:
    """`representative_bar_record` for many listings at once (the 3-year move's chunk): one
    INSERT for the new bars (a source barred already is skipped), one audit event each. Rows
    are (enterprise, barred_from, barred_until, source). Inside the caller's transaction."""
    from credit_portal.audit import _jsonable
    from credit_portal.bulk import bulk_insert
    from credit_portal.middleware import current_client_ip, current_request_id
    from credit_portal.models import AuditEvent

    if not rows:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("representative_bars_record_many must run inside a transaction")
    first = rows[0][3]
    app, model = first._meta.app_label, first._meta.model_name or ""
    ids = [str(source.pk) for *_rest, source in rows]
    known = set(
        RepresentativeBar.objects.filter(
            source_app=app, source_model=model, source_id__in=ids
        ).values_list("source_id", flat=True)
    )
    new = [
        RepresentativeBar(
            id_digest=enterprise.legal_rep_id_digest or "",
            id_masked=enterprise.legal_rep_id_masked or "",
            name=enterprise.legal_rep_name or "",
            listed_enterprise=enterprise,
            barred_from=start,
            barred_until=until,
            source_app=app,
            source_model=model,
            source_id=str(source.pk),
        )
        for enterprise, start, until, source in rows
        if str(source.pk) not in known
    ]
    created = RepresentativeBar.objects.bulk_create(new, ignore_conflicts=False)
    request_id, ip = current_request_id() or "", current_client_ip() or None
    bulk_insert(
        [
            AuditEvent(
                actor=None,
                event_type=BAR_RECORDED,
                enterprise_id=bar.listed_enterprise_id,
                target_type=RepresentativeBar._meta.label_lower,
                target_id=str(bar.pk),
                target_repr=str(bar)[:200],
                extra=_jsonable(
                    {
                        "bar": bar.pk,
                        "barred_from": bar.barred_from,
                        "barred_until": bar.barred_until,
                        "missing": not bar.id_digest,
                        "source": f"{app}.{model}:{bar.source_id}",
                    }
                ),
                request_id=request_id,
                ip_address=ip,
            )
            for bar in created
        ]
    )
    return created


@transaction.atomic
def representative_bars_lift(
    *, source: models.Model, on: dt.date, actor: User | None, reason: str
) -> int:
    """Lift the bar(s) a listing caused (`source`), from `on`: the listing was revoked, or
    removed early by credit repair. Bars lifted already are left as they are. Returns how many
    were lifted. Side effects: `lifted_on`; an audit event each."""
    bars = list(
        RepresentativeBar.objects.select_for_update().filter(
            source_app=source._meta.app_label,
            source_model=source._meta.model_name or "",
            source_id=str(source.pk),
            lifted_on__isnull=True,
        )
    )
    for bar in bars:
        bar.lifted_on = on
        bar.save(update_fields=["lifted_on"])
        audit_event_record(
            actor=actor,
            event_type=BAR_LIFTED,
            target=bar,
            enterprise=bar.listed_enterprise,
            extra={"bar": bar.pk, "lifted_on": on, "reason": reason},
        )
    return len(bars)
