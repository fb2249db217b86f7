"""The dashboard's tallies (`dashboard.tallies`, `dashboard.selectors.dashboard_for`): every
figure of `remediation.selectors.figures.seed_figures` equals the dashboard's for the same year
and reader (bureau, partner department, superuser), the street filter, the measures beyond the
seed, idempotency, the daily job and the command, and the query count of a read."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command

from credit_portal.models import StaffProfile, User
from dashboard.measures import ENTERPRISES, all_measures
from dashboard.models import Tally, TallyYear
from dashboard.selectors import dashboard_for
from dashboard.tallies import tallies_refresh
from enterprises.models import Enterprise
from remediation.models import DirectoryCase, PenaltyDecision, RepairApplication, SoftAction
from remediation.selectors.figures import SeedFigures, seed_figures
from remediation.services.publicity import publicity_expire
from tests.enterprises.factories import EnterpriseFactory, enterprise_user
from tests.remediation import test_figures as penalties_case
from tests.remediation import test_figures_directory as directory_case

pytestmark = pytest.mark.django_db

YEAR = 2025
TODAY = dt.date(2026, 3, 10)
Leniency = PenaltyDecision.Leniency
Instrument = SoftAction.Instrument
State = DirectoryCase.State
Status = RepairApplication.Status
SEED_CODES = [f.name for f in fields(SeedFigures) if f.name != "year"]
OTHER_STREET = "西航港街道"


@pytest.fixture(autouse=True)
def _clock():
    moment = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


class District(penalties_case.District, directory_case.District):
    """The two seed-figure tests' districts in one: their departments, staff and helpers."""


@pytest.fixture
def district() -> District:
    """The cases of both seed-figure tests (same rules, same expectations), some of them in a
    second street."""
    d = District()
    f = d.firms
    Enterprise.objects.filter(pk__in=[f[1].pk, f[3].pk]).update(division=OTHER_STREET)
    # Decisions, letters, interviews, repairs, expired terms (tests/remediation/test_figures.py).
    d.decision(Leniency.LIGHTER)
    d.decision(Leniency.LIGHTER, firm=f[1])
    d.decision(Leniency.MITIGATED, department=d.eco)
    d.decision(Leniency.EXEMPT)
    d.decision(Leniency.FIRST_VIOLATION, department=d.eco)
    d.decision(Leniency.STANDARD)
    d.decision(Leniency.LIGHTER, status=PenaltyDecision.Status.DRAFT)
    d.decision(Leniency.LIGHTER, status=PenaltyDecision.Status.WITHDRAWN, withdrawal="void")
    d.decision(Leniency.LIGHTER, decided=dt.date(YEAR - 1, 12, 31))
    d.decision(Leniency.MITIGATED, decided=dt.date(YEAR + 1, 1, 1))
    d.letter(Instrument.SUGGESTION)
    d.letter(Instrument.SUGGESTION, department=d.eco)
    d.letter(Instrument.ADMONITION)
    d.letter(Instrument.PROMPT)
    d.letter(Instrument.SUGGESTION, served=None)
    d.letter(Instrument.ADMONITION, served=dt.date(YEAR - 1, 12, 30))
    d.interview(f[2], dt.date(YEAR, 3, 3))
    d.interview(f[2], dt.date(YEAR, 9, 9))
    d.interview(f[3], dt.date(YEAR, 4, 4), department=d.eco)
    d.interview(f[4], dt.date(YEAR - 1, 4, 4))
    eco_penalty = d.decision(Leniency.STANDARD, department=d.eco, decided=dt.date(YEAR - 1, 1, 5))
    d.repair(f[3], decided=dt.date(YEAR, 7, 1))
    d.repair(f[3], decided=dt.date(YEAR, 8, 1))
    d.repair(f[4], decided=dt.date(YEAR, 8, 2), penalty=eco_penalty)
    d.repair(f[5], decided=dt.date(YEAR, 8, 3), status=Status.REFUSED)
    d.repair(f[5], decided=dt.date(YEAR, 8, 4), kind=RepairApplication.Kind.ABNORMAL_REMOVAL)
    d.repair(f[5], decided=dt.date(YEAR - 1, 8, 4))
    d.published_penalty(f[0], start=dt.date(YEAR, 1, 2), end=dt.date(YEAR, 4, 1))
    eco_record = d.published_penalty(f[1], start=dt.date(YEAR, 2, 2), end=dt.date(YEAR, 5, 1))
    d.decision(
        Leniency.STANDARD, department=d.eco, decided=dt.date(YEAR - 1, 6, 1), record=eco_record
    )
    d.published_penalty(f[2], start=dt.date(YEAR, 10, 1), end=dt.date(YEAR, 12, 31))
    publicity_expire(on=TODAY)
    # The directory and self-corrections (tests/remediation/test_figures_directory.py).
    d.deferred(
        d.firm(),
        state=State.CLOSED_NO_LISTING,
        closed_on=dt.date(YEAR, 7, 20),
        cured_on=dt.date(YEAR, 7, 20),
    )
    d.deferred(d.firm(), state=State.PENDING)
    d.deferred(d.firm(), state=State.LISTED, listed_on=dt.date(YEAR, 7, 29))
    d.deferred(d.firm(), state=State.CLOSED_NO_LISTING, closed_on=dt.date(YEAR, 7, 15))
    d.deferred(
        d.firm(),
        state=State.CLOSED_NO_LISTING,
        on=dt.date(YEAR - 1, 7, 1),
        closed_on=dt.date(YEAR - 1, 7, 10),
        cured_on=dt.date(YEAR - 1, 7, 10),
    )
    d.mark(d.firm(), on=dt.date(YEAR, 7, 14))
    d.deferred(
        d.firm(),
        state=State.CLOSED_NO_LISTING,
        department=d.eco,
        closed_on=dt.date(YEAR, 7, 9),
        cured_on=dt.date(YEAR, 7, 9),
    )
    d.lifted(d.mark(d.firm(individual=True)), on=dt.date(YEAR, 8, 3))
    d.lifted(d.mark(d.firm(individual=True), on=dt.date(YEAR - 1, 7, 1)), on=dt.date(YEAR, 2, 3))
    d.lifted(
        d.mark(d.firm(individual=True), on=dt.date(YEAR - 1, 7, 1)), on=dt.date(YEAR - 1, 9, 1)
    )
    d.lifted(d.mark(d.firm(individual=True)), on=dt.date(YEAR, 9, 9), kind="repair")
    d.lifted(d.mark(d.firm(individual=True), reason="4"), on=dt.date(YEAR, 9, 10), code="4")
    d.lifted(d.mark(d.firm()), on=dt.date(YEAR, 9, 11))
    d.mark(d.firm(individual=True))
    twice = d.firm()
    d.self_correction(twice, on=dt.date(YEAR, 8, 1), department=d.amr)
    d.self_correction(twice, on=dt.date(YEAR, 10, 1), department=d.amr)
    d.self_correction(d.firm(department=d.eco), on=dt.date(YEAR, 9, 1), department=d.eco)
    # Invited by the partner, the entity since given to the bureau: counted for the partner no
    # more, by the figure as by its list (docs/domain.md Appendix A).
    d.self_correction(d.firm(), on=dt.date(YEAR, 9, 2), department=d.eco)
    d.self_correction(d.firm(), on=dt.date(YEAR, 5, 5), department=None)
    d.self_correction(d.firm(), on=dt.date(YEAR - 1, 12, 31), department=d.amr)
    return d


def _refresh(*years: int) -> None:
    for year in years or (YEAR,):
        tallies_refresh(year=year, on=TODAY)


def _seed_values(figures: SeedFigures) -> dict[str, int]:
    return {code: getattr(figures, code) for code in SEED_CODES}


def _dashboard_values(user, year: int = YEAR, street: str = "") -> dict[str, int]:
    board = dashboard_for(user=user, year=year, street=street)
    return {code: board.figure(code).value for code in SEED_CODES}


def test_every_seed_figure_equals_seed_figures_for_the_bureau_and_a_partner(district):
    _refresh(YEAR - 1, YEAR)
    for user in (district.bureau_user, district.partner_user):
        for year in (YEAR - 1, YEAR):
            expected = _seed_values(seed_figures(year=year, user=user))
            assert _dashboard_values(user, year) == expected, (user.username, year)
    # The fixture is not trivial: most figures are counted, and the partner sees its share.
    bureau = _dashboard_values(district.bureau_user)
    assert sum(1 for v in bureau.values() if v) >= 12
    assert _dashboard_values(district.partner_user) != bureau


def test_a_superuser_reads_the_district_and_strangers_read_zeros(district):
    _refresh()
    from credit_portal.models import User

    admin = User.objects.create_superuser(username="root", password="Secret-pass-123")
    assert _dashboard_values(admin) == _dashboard_values(district.bureau_user)
    assert dashboard_for(user=admin, year=YEAR).is_district
    for user in (enterprise_user(district.firm()), User.objects.create_user(username="x")):
        board = dashboard_for(user=user, year=YEAR)
        assert not board.is_district
        assert all(v == 0 for v in _dashboard_values(user).values())


def test_the_street_filter_splits_the_figures(district):
    _refresh()
    user = district.bureau_user
    board = dashboard_for(user=user, year=YEAR)
    assert board.streets == sorted({"东升街道", OTHER_STREET})
    here = _dashboard_values(user, street="东升街道")
    there = _dashboard_values(user, street=OTHER_STREET)
    whole = _dashboard_values(user)
    assert {code: here[code] + there[code] for code in SEED_CODES} == whole
    # f[1] (a lighter decision) and f[3] (a repair, an interview) are in the other street.
    assert (there["lighter"], there["penalty_repairs"], there["interviews"]) == (1, 1, 1)
    assert dashboard_for(user=user, year=YEAR, street="无此街道").figure("lighter").value == 0
    assert dashboard_for(user=user, year=YEAR, street=OTHER_STREET).street == OTHER_STREET


def test_a_rerun_gives_the_same_rows_and_follows_the_data(district):
    first = tallies_refresh(year=YEAR, on=TODAY)
    rows = set(Tally.objects.values_list("measure", "street", "department", "key", "value"))
    assert tallies_refresh(year=YEAR, on=TODAY) == first
    assert set(Tally.objects.values_list("measure", "street", "department", "key", "value")) == rows
    assert TallyYear.objects.get(year=YEAR).on == TODAY

    district.decision(Leniency.LIGHTER, firm=district.firms[0])
    assert dashboard_for(user=district.bureau_user, year=YEAR).figure("lighter").value == 2
    tallies_refresh(year=YEAR, on=TODAY)
    assert dashboard_for(user=district.bureau_user, year=YEAR).figure("lighter").value == 3


def test_a_year_without_data_reads_zeros(district):
    user = district.bureau_user
    for year in (1990, YEAR + 5, 0, 99999):
        board = dashboard_for(user=user, year=year)
        assert board.computed_at is None
        assert all(f.value == 0 for f in board.figures())
        assert all(v == 0 for v in board.breakdown("buffer_funnel").values())
    _refresh(YEAR + 5)
    board = dashboard_for(user=user, year=YEAR + 5)
    assert board.computed_at is not None
    assert all(f.value == 0 for f in board.figures())


def test_enterprises_helped_counts_distinct_enterprises_removed_or_repaired(district):
    _refresh()
    f = district.firms
    # Approved repairs of the year: f[3] (twice), f[4], f[5] (its directory removal repair);
    # directory removals of the year with the cause cured: two IBs by filing (codes 1), the IB
    # lifted by a repair, the reason-4 mark (code 4), the enterprise's listing (code 1).
    board = dashboard_for(user=district.bureau_user, year=YEAR)
    assert board.figure("enterprises_helped").value == 3 + 5
    assert board.measures["enterprises_helped"].unit == ENTERPRISES
    # The partner: the repair of its own decision (f[4]) only.
    partner = dashboard_for(user=district.partner_user, year=YEAR)
    assert partner.figure("enterprises_helped").value == 1
    # A firm both repaired and removed counts once.
    case = district.mark(f[4], on=dt.date(YEAR, 3, 1))
    district.lifted(case, on=dt.date(YEAR, 4, 1))
    _refresh()
    assert (
        dashboard_for(user=district.bureau_user, year=YEAR).figure("enterprises_helped").value == 8
    )


def test_the_buffer_funnel(district):
    _refresh()
    board = dashboard_for(user=district.bureau_user, year=YEAR)
    assert board.figure("buffer_funnel").value == board.figure("listings_deferred").value == 5
    assert board.breakdown("buffer_funnel") == {
        "filed_in_time": 2,
        "listed": 1,
        "pending": 1,
        "closed_other": 1,
    }
    partner = dashboard_for(user=district.partner_user, year=YEAR)
    assert partner.breakdown("buffer_funnel")["filed_in_time"] == 1


def test_repair_applications_by_outcome_and_time_to_decide(district):
    RepairApplication.objects.all().delete()
    firm = district.firms[0]

    def application(status: str, submitted: dt.date, decided: dt.date | None) -> None:
        app = district.repair(firm, decided=decided or submitted, status=status)
        app.submitted_at = dt.datetime.combine(
            submitted, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai")
        )
        app.decided_on = decided
        app.save()

    # Monday 2025-06-02: 3 WD to Thursday; 10 WD to 2025-06-16 (no holiday between);
    application(Status.APPROVED, dt.date(YEAR, 6, 2), dt.date(YEAR, 6, 5))
    application(Status.REFUSED, dt.date(YEAR, 6, 2), dt.date(YEAR, 6, 16))
    application(Status.APPROVED, dt.date(YEAR, 6, 2), dt.date(YEAR, 7, 30))
    application(Status.WITHDRAWN, dt.date(YEAR, 6, 2), None)
    application(Status.SUBMITTED, dt.date(YEAR, 12, 30), None)
    application(Status.APPROVED, dt.date(YEAR - 1, 12, 1), dt.date(YEAR - 1, 12, 5))
    _refresh()
    board = dashboard_for(user=district.bureau_user, year=YEAR)
    assert board.figure("repair_outcomes").value == 5
    assert board.breakdown("repair_outcomes") == {
        "approved": 2,
        "refused": 1,
        "not_accepted": 0,
        "withdrawn": 1,
        "pending": 1,
    }
    assert board.breakdown("repair_decision_time") == {"wd5": 1, "wd10": 1, "wd15": 0, "over15": 1}
    assert board.figure("repair_decision_time").value == 3


def test_deadlines_met_and_missed(district):
    PenaltyDecision.objects.update(publication_due=None)
    due = dt.date(YEAR, 6, 30)
    for published, status in (
        (dt.date(YEAR, 6, 30), PenaltyDecision.Status.RECORDED),  # met on the day
        (dt.date(YEAR, 7, 1), PenaltyDecision.Status.RECORDED),  # missed
        (None, PenaltyDecision.Status.RECORDED),  # overdue as of TODAY
        (dt.date(YEAR, 6, 1), PenaltyDecision.Status.WITHDRAWN),  # met, since withdrawn
    ):
        district.decision(
            Leniency.STANDARD,
            status=status,
            recorded_on=dt.date(YEAR, 6, 1),
            publication_due=due,
            published_on=published,
        )
    district.decision(
        Leniency.STANDARD,
        decided=dt.date(YEAR, 12, 30),
        recorded_on=dt.date(YEAR, 12, 30),
        publication_due=dt.date(2026, 4, 1),  # after TODAY: open
    )
    # Removals within 5 WD of the cure (Tuesday 2025-09-02 + 5 WD = 2025-09-09).
    cured = dt.date(YEAR, 9, 2)
    for removed in (dt.date(YEAR, 9, 9), dt.date(YEAR, 9, 10)):
        case = district.mark(district.firm(), on=dt.date(YEAR, 7, 1))
        case.cured_on = cured
        case.save()
        district.lifted(case, on=removed)
    waiting = district.mark(district.firm(), on=dt.date(YEAR, 7, 1))
    waiting.cured_on = cured
    waiting.save()
    _refresh()
    board = dashboard_for(user=district.bureau_user, year=YEAR)
    assert board.breakdown("publication_deadline") == {
        "met": 2,
        "missed": 1,
        "overdue": 1,
        "open": 1,
    }
    assert board.figure("publication_deadline").value == 5
    assert board.breakdown("removal_deadline") == {"met": 1, "missed": 1, "overdue": 1, "open": 0}


def test_the_daily_job_and_the_command_count_the_year(district):
    call_command("run_daily", "--date", TODAY.isoformat(), "--only", "dashboard.tallies")
    assert TallyYear.objects.filter(year=TODAY.year).exists()
    assert not TallyYear.objects.filter(year=YEAR).exists()  # March: the current year only
    call_command("dashboard_refresh", "--year", str(YEAR))
    assert dashboard_for(user=district.bureau_user, year=YEAR).figure("lighter").value == 2
    call_command("dashboard_refresh", "--all-years")
    assert set(TallyYear.objects.values_list("year", flat=True)) == {YEAR, TODAY.year}


def test_january_refreshes_the_year_before():
    from dashboard.jobs import years_to_refresh

    assert years_to_refresh(dt.date(2026, 1, 5)) == [2025, 2026]
    assert years_to_refresh(dt.date(2026, 2, 1)) == [2026]


def test_reading_the_dashboard_takes_a_constant_number_of_queries(
    district, django_assert_num_queries
):
    _refresh()
    # The reader's permissions (which measures they may see) are loaded once per user object,
    # as the view's own permission check does before it reads the dashboard.
    with django_assert_num_queries(4):  # each user: own and group permissions
        district.bureau_user.has_perm("dashboard.view_dashboard")
        district.partner_user.has_perm("dashboard.view_dashboard")
    with django_assert_num_queries(4):  # scope, figures, computed at, streets
        board = dashboard_for(user=district.bureau_user, year=YEAR, street=OTHER_STREET)
        [f.value for f in board.figures()]
        board.breakdown("buffer_funnel")
    # More data, same count.
    for _ in range(5):
        district.decision(
            Leniency.LIGHTER, firm=EnterpriseFactory(department=district.amr, division="黄水镇")
        )
    _refresh()
    with django_assert_num_queries(4):
        dashboard_for(user=district.partner_user, year=YEAR).figures()


def test_every_measure_is_declared_once_with_a_unit_and_section():
    measures = all_measures()
    assert set(SEED_CODES) <= set(measures)
    for measure in measures.values():
        assert measure.unit and measure.section in (1, 2, 3)


def test_the_demo_step_counts_the_demo_years(district):
    from credit_portal.demo import demo_steps
    from dashboard.demo import dashboard_demo_build

    step = next(s for s in demo_steps() if s.name == "dashboard")
    assert (step.order, step.func) == (900, "dashboard.demo.dashboard_demo_build")
    done = dashboard_demo_build(as_of=TODAY, seed=1)
    assert set(done) == set(range(TODAY.year - 3, TODAY.year + 1)) and YEAR in done
    assert dashboard_for(user=district.bureau_user, year=YEAR).figure("lighter").value == 2


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("supervisor", True),
        ("credit_officer", True),
        ("enforcement_officer", True),
        ("administrator", True),
        ("inspector", True),
        ("registrar", False),
    ],
)
def test_who_may_view_the_dashboard(user_with_role, role, allowed):
    from credit_portal.roles import Role

    user = user_with_role(Role(role))
    assert user.has_perm("dashboard.view_dashboard") is allowed


@pytest.mark.parametrize(
    ("role", "sees_classes"),
    [
        ("supervisor", True),
        ("credit_officer", True),
        ("administrator", True),
        ("enforcement_officer", False),  # no enterprises.view_risk: the classes are internal
    ],
)
def test_only_readers_who_may_see_risk_classes_get_the_class_measures(
    user_with_role, role, sees_classes
):
    from credit_portal.roles import Role

    user = user_with_role(Role(role))
    assert user.has_perm("enterprises.view_risk") is sees_classes
    board = dashboard_for(user=user, year=YEAR)
    class_codes = {c for c, m in all_measures().items() if m.perm == "enterprises.view_risk"}
    assert {"risk.classes", "inspections.class_done", "inspections.class_problems"} <= class_codes
    assert (class_codes <= set(board.measures)) is sees_classes
    if not sees_classes:
        assert not class_codes & set(board.measures)
        assert not {c for c, _k in board.values} & class_codes
    assert "lighter" in board.measures


def _bureau_role_user(district: District, role: str) -> User:
    from credit_portal.roles import Role

    user = User.objects.create_user(username=f"bureau-{role}", password="Secret-pass-123")
    user.groups.add(Group.objects.get(name=str(Role(role))))
    StaffProfile.objects.create(user=user, department=district.amr)
    return user


def test_an_enforcement_officer_reads_no_class_figure(district):
    _refresh()
    officer = _bureau_role_user(district, "enforcement_officer")
    supervisor = _bureau_role_user(district, "supervisor")
    board = dashboard_for(user=officer, year=YEAR)
    full = dashboard_for(user=supervisor, year=YEAR)
    hidden = {"risk.classes", "risk.moves", "risk.moves_year", "risk.trend"} | {
        "inspections.class_done",
        "inspections.class_problems",
    }
    assert hidden <= set(full.measures)
    assert not hidden & set(board.measures)
    assert not {code for code, _key in board.values} & hidden
    # Everything else is the same for both.
    assert {c: board.figure(c).value for c in board.measures} == {
        c: full.figure(c).value for c in board.measures
    }
