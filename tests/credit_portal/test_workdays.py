"""The working-day calendar (`credit_portal.workdays`): the library's years, the bureau's own
entries on top, provisional dates in years not known, Civil Code periods, the cache, the admin
that keeps the calendar and the warning when next year's schedule is missing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from credit_portal import workdays
from credit_portal.audit import event_label
from credit_portal.models import AuditEvent, CalendarEntry, CalendarYear
from credit_portal.workdays import (
    Deadline,
    add_days_civil,
    add_working_days,
    deadline_after,
    is_provisional,
    is_working_day,
    missing_schedule_warning,
    period_end_months,
    period_end_years,
    working_days_between,
    year_is_known,
)

pytestmark = pytest.mark.django_db

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
HOLIDAY, WORKING_DAY = CalendarEntry.Kind.HOLIDAY, CalendarEntry.Kind.WORKING_DAY


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """A rolled-back test sends no signal: forget what the cache kept from its entries."""
    workdays.calendar_cache_clear()
    yield
    workdays.calendar_cache_clear()


@pytest.fixture
def _english():
    with translation.override("en"):
        yield


def _entry(day: dt.date, kind: str, name: str = "") -> CalendarEntry:
    return CalendarEntry.objects.create(day=day, kind=kind, name=name)


# --------------------------------------------------------------------------- the library's years


def test_the_worked_example_of_the_domain_file():
    """docs/domain.md §0: 20 WD after 2025-09-26 is 2025-10-30 (Sunday 09-28 and Saturday
    10-11 were working days; 10-01 to 10-08 the National Day holiday)."""
    assert add_working_days(D(2025, 9, 26), 20) == D(2025, 10, 30)
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 30)) == 20
    assert deadline_after(D(2025, 9, 26), 20) == Deadline(day=D(2025, 10, 30), provisional=False)


def test_an_adjusted_working_sunday_and_saturday_count():
    assert D(2025, 9, 28).weekday() == 6 and is_working_day(D(2025, 9, 28))
    assert D(2025, 10, 11).weekday() == 5 and is_working_day(D(2025, 10, 11))
    assert not is_working_day(D(2025, 10, 12))  # an ordinary Sunday
    assert [is_working_day(D(2025, 10, d)) for d in range(1, 9)] == [False] * 8
    assert is_working_day(D(2025, 10, 9))


def test_the_spring_festival_of_2026():
    """2026-02-15 to 02-23 off; Saturdays 02-14 and 02-28 worked."""
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 28))
    assert not any(is_working_day(D(2026, 2, d)) for d in range(15, 24))
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6  # 14, 24–27, 28


def test_the_day_of_the_event_never_counts():
    assert add_working_days(D(2025, 10, 13), 1) == D(2025, 10, 14)  # a Monday
    assert add_working_days(D(2025, 10, 1), 1) == D(2025, 10, 9)  # a holiday
    assert add_working_days(D(2025, 10, 11), 1) == D(2025, 10, 13)  # a worked Saturday


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="at least one"):
        add_working_days(D(2025, 1, 6), 0)
    with pytest.raises(ValueError, match="at least one"):
        deadline_after(D(2025, 1, 6), -1)
    with pytest.raises(TypeError, match="date"):
        is_working_day(dt.datetime(2025, 1, 6, 12, tzinfo=SHANGHAI))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the bureau's entries


def test_a_bureau_holiday_overrides_the_library():
    _entry(D(2025, 10, 29), HOLIDAY, "区内停电")
    assert not is_working_day(D(2025, 10, 29))
    assert add_working_days(D(2025, 9, 26), 20) == D(2025, 10, 31)


def test_a_bureau_working_day_overrides_the_library():
    assert not is_working_day(D(2025, 10, 4))
    _entry(D(2025, 10, 4), WORKING_DAY)
    assert is_working_day(D(2025, 10, 4))
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 4)


def test_a_change_is_seen_at_once_and_a_deleted_entry_is_gone():
    assert is_working_day(D(2025, 11, 3))
    entry = _entry(D(2025, 11, 3), HOLIDAY)
    assert not is_working_day(D(2025, 11, 3))
    entry.kind = WORKING_DAY
    entry.save()
    assert is_working_day(D(2025, 11, 3))
    CalendarEntry.objects.filter(pk=entry.pk).update(kind=HOLIDAY)  # no signal: the cache holds
    assert is_working_day(D(2025, 11, 3))
    entry.delete()
    assert not CalendarEntry.objects.exists()
    assert is_working_day(D(2025, 11, 3))


# --------------------------------------------------------------------------- provisional years


def test_2027_is_provisional_until_its_schedule_is_marked_complete():
    assert year_is_known(2026) and not year_is_known(2027) and not year_is_known(2003)
    # Counted on the weekends alone: 21–25, 28–31 December, 1, 4–8, 11–15 January.
    assert deadline_after(D(2026, 12, 20), 20) == Deadline(D(2027, 1, 15), provisional=True)
    assert is_provisional(D(2026, 12, 1), D(2027, 1, 5))
    assert is_provisional(D(2027, 1, 5), D(2026, 12, 1))  # either way round
    assert not is_provisional(D(2026, 12, 1), D(2026, 12, 31))
    assert not is_provisional(D(2026, 12, 1))

    _entry(D(2027, 1, 1), HOLIDAY, "元旦")  # the bureau's entries apply at once...
    assert deadline_after(D(2026, 12, 20), 20) == Deadline(D(2027, 1, 18), provisional=True)

    year = CalendarYear.objects.create(year=2027, schedule_complete=False)
    assert deadline_after(D(2026, 12, 20), 20).provisional  # ...a year not marked stays so
    year.schedule_complete = True
    year.save()
    assert year_is_known(2027)
    assert deadline_after(D(2026, 12, 20), 20) == Deadline(D(2027, 1, 18), provisional=False)
    assert is_provisional(D(2027, 12, 1), D(2028, 1, 5))


def test_a_deadline_is_provisional_only_for_the_days_it_counts():
    """The event's own day does not count: an event on the last day of a year not known, with
    a deadline in a known year, is not provisional."""
    assert not deadline_after(D(2003, 12, 31), 5).provisional
    assert deadline_after(D(2003, 12, 20), 5).provisional


def test_working_days_between_is_the_inverse_of_add_working_days():
    starts = [D(2025, 9, 26), D(2026, 2, 10), D(2026, 9, 24), D(2026, 12, 28), D(2024, 12, 31)]
    for start in starts:
        for n in (1, 2, 5, 10, 20, 30, 250):
            end = add_working_days(start, n)
            assert working_days_between(start, end) == n, (start, n)
            assert working_days_between(end, start) == -n, (start, n)
            # The day before the deadline holds one working day fewer.
            assert working_days_between(start, end - dt.timedelta(days=1)) == n - 1
    assert working_days_between(D(2025, 10, 1), D(2025, 10, 1)) == 0
    assert working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0  # all holiday


# --------------------------------------------------------------------------- the Civil Code


def test_a_period_of_days_ending_on_a_holiday_ends_on_the_next_working_day():
    """民法典 art. 203: 15 days from 2024-09-20 end nominally on 10-05, in the National Day
    holiday (10-01 to 10-07), so on 10-08."""
    assert add_days_civil(D(2024, 9, 20), 15) == D(2024, 10, 8)
    assert add_days_civil(D(2026, 12, 7), 5) == D(2026, 12, 14)  # Saturday 12-12 → Monday
    assert add_days_civil(D(2026, 12, 7), 3) == D(2026, 12, 10)  # a working day: as it is
    assert add_days_civil(D(2026, 2, 27), 1) == D(2026, 2, 28)  # a worked Saturday: as it is
    assert add_days_civil(D(2026, 2, 10), 5) == D(2026, 2, 24)  # Spring Festival → after it
    with pytest.raises(ValueError, match="at least one"):
        add_days_civil(D(2026, 2, 10), 0)


def test_a_bureau_holiday_extends_a_civil_period():
    _entry(D(2026, 12, 10), HOLIDAY)
    assert add_days_civil(D(2026, 12, 7), 3) == D(2026, 12, 11)


def test_month_ends_and_years():
    """民法典 art. 202 (the corresponding day, or the month's last) with art. 203."""
    assert period_end_months(D(2026, 1, 31), 1) == D(2026, 2, 28)  # a worked Saturday
    assert period_end_months(D(2025, 1, 31), 1) == D(2025, 2, 28)  # a Friday
    assert period_end_months(D(2024, 1, 31), 1) == D(2024, 2, 29)  # a leap year's Thursday
    assert period_end_months(D(2026, 3, 31), 2) == D(2026, 6, 1)  # Sunday 05-31 → Monday
    assert period_end_months(D(2025, 8, 31), 1) == D(2025, 9, 30)
    assert period_end_months(D(2025, 12, 17), 2) == D(2026, 2, 24)  # Spring Festival → after
    assert period_end_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert period_end_years(D(2023, 10, 1), 2) == D(2025, 10, 9)  # National Day → after it
    with pytest.raises(ValueError, match="at least one"):
        period_end_months(D(2025, 1, 1), 0)
    with pytest.raises(ValueError, match="at least one"):
        period_end_years(D(2025, 1, 1), 0)


# --------------------------------------------------------------------------- cost


def test_twenty_working_days_cost_one_query_cold_and_none_warm(django_assert_num_queries):
    with django_assert_num_queries(1):  # the entries of 2025 (the library knows the year)
        assert add_working_days(D(2025, 9, 26), 20) == D(2025, 10, 30)
    with django_assert_num_queries(0):
        assert deadline_after(D(2025, 9, 26), 20).day == D(2025, 10, 30)
        assert is_working_day(D(2025, 10, 1)) is False


def test_a_year_the_library_does_not_know_costs_a_second_query(django_assert_num_queries):
    with django_assert_num_queries(2):  # entries of 2026–2027, and whether 2027 is marked
        assert deadline_after(D(2026, 12, 20), 20).provisional
    with django_assert_num_queries(0):
        assert add_working_days(D(2026, 12, 20), 20) == D(2027, 1, 15)


def test_the_cache_of_another_process_expires(monkeypatch):
    assert is_working_day(D(2025, 11, 3))
    # A change made by another process: no signal here.
    CalendarEntry.objects.bulk_create([CalendarEntry(day=D(2025, 11, 3), kind=HOLIDAY)])
    assert is_working_day(D(2025, 11, 3))
    monkeypatch.setattr(workdays, "CACHE_SECONDS", 0)
    assert not is_working_day(D(2025, 11, 3))


# --------------------------------------------------------------------------- the warning


def test_the_warning_starts_on_the_first_of_december():
    assert missing_schedule_warning(D(2026, 11, 30)) is None
    with translation.override("en"):
        warning = missing_schedule_warning(D(2026, 12, 1))
    assert warning is not None and "2027" in warning
    assert missing_schedule_warning(D(2026, 12, 7)) is not None  # today, in this story
    CalendarYear.objects.create(year=2027, schedule_complete=True)
    assert missing_schedule_warning(D(2026, 12, 7)) is None


def test_a_year_begun_without_its_schedule_is_warned_all_year():
    with translation.override("en"):
        assert "2027" in (missing_schedule_warning(D(2027, 3, 1)) or "")
        both = missing_schedule_warning(D(2027, 12, 1)) or ""
    assert "2027, 2028" in both and "schedules" in both


@pytest.fixture
def admin_client(client, user_with_perms):
    client.force_login(user_with_perms(is_superuser=True, is_staff=True))
    return client


@pytest.mark.usefixtures("_english")
def test_administrators_see_the_warning_on_the_admin_now(admin_client, time_machine):
    """Today is 2026-12-07 and chinese-calendar does not know 2027."""
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI), tick=False)
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "data-calendar-warning" in page and "2027" in page
    assert reverse("admin:credit_portal_calendarentry_changelist") in page

    CalendarYear.objects.create(year=2027, schedule_complete=True)
    assert "data-calendar-warning" not in admin_client.get(reverse("admin:index")).content.decode()


@pytest.mark.usefixtures("_english")
def test_the_staff_layout_warns_those_who_keep_the_calendar(client, user_with_perms, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI), tick=False)
    keeper = user_with_perms(
        "credit_portal.access_staff_portal", "credit_portal.change_calendarentry"
    )
    clerk = user_with_perms("credit_portal.access_staff_portal")
    client.force_login(keeper)
    assert "data-calendar-warning" in client.get(reverse("home")).content.decode()
    client.force_login(clerk)
    assert "data-calendar-warning" not in client.get(reverse("home")).content.decode()
    client.logout()
    assert "data-calendar-warning" not in client.get(reverse("public:search")).content.decode()


def test_no_warning_in_november(admin_client, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI), tick=False)
    assert "data-calendar-warning" not in admin_client.get(reverse("admin:index")).content.decode()


# --------------------------------------------------------------------------- the admin


def test_a_calendar_day_added_in_the_admin_is_audited_and_counts(admin_client):
    response = admin_client.post(
        reverse("admin:credit_portal_calendarentry_add"),
        {"day": "2027-01-01", "kind": HOLIDAY, "name": "元旦", "note": ""},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(event_type="admin.credit_portal.calendarentry_created")
    assert event.extra["new"]["day"] == "2027-01-01"
    with translation.override("en"):
        assert event_label(event.event_type) == "Calendar day added"
    assert not is_working_day(D(2027, 1, 1))

    entry = CalendarEntry.objects.get()
    admin_client.post(
        reverse("admin:credit_portal_calendarentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert not CalendarEntry.objects.exists()
    assert AuditEvent.objects.filter(
        event_type="admin.credit_portal.calendarentry_deleted"
    ).exists()
    assert is_working_day(D(2027, 1, 1))


@pytest.mark.usefixtures("_english")
def test_a_year_is_marked_complete_only_once_its_holidays_are_entered(admin_client):
    url = reverse("admin:credit_portal_calendaryear_add")
    data = {
        "year": "2027",
        "schedule_complete": "on",
        "published_reference": "国办发明电〔2026〕7号",
    }
    response = admin_client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "No holiday of 2027 is entered yet" in response.content.decode()
    assert not CalendarYear.objects.exists()

    _entry(D(2027, 1, 1), HOLIDAY, "元旦")
    assert admin_client.post(url, data).status_code == 302
    year = CalendarYear.objects.get()
    assert year.entered_by is not None and year.schedule_complete
    assert AuditEvent.objects.filter(event_type="admin.credit_portal.calendaryear_created").exists()
    assert year_is_known(2027)


def test_the_calendar_lists_filter_by_year_and_kind_and_search(admin_client):
    _entry(D(2027, 1, 1), HOLIDAY, "元旦")
    _entry(D(2027, 2, 7), WORKING_DAY, "春节")
    url = reverse("admin:credit_portal_calendarentry_changelist")
    page = admin_client.get(url, {"year": "2027", "kind": WORKING_DAY}).content.decode()
    assert "2027-02-07" in page or "Feb. 7, 2027" in page or "2027年2月7日" in page
    assert admin_client.get(url, {"q": "元旦"}).status_code == 200
    assert (
        admin_client.get(reverse("admin:credit_portal_calendaryear_changelist")).status_code == 200
    )


def test_the_administrator_role_keeps_the_calendar():
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="administrator").permissions.values_list("codename", flat=True)
    )
    assert {"add_calendarentry", "change_calendaryear", "view_dailyrun"} <= codenames


def test_the_core_declares_its_calendar_event_types():
    from credit_portal.audit import AuditEventType, audit_event_types_declare

    with pytest.raises(ImproperlyConfigured):
        audit_event_types_declare(
            AuditEventType("admin.credit_portal.calendarentry_created", "Something else")
        )


# --------------------------------------------------------------------------- the template filter


def _render(value: object, fmt: str = "") -> str:
    arg = f':"{fmt}"' if fmt else ""
    template = Template("{% load workdays %}{{ value|deadline_display" + arg + " }}")
    return template.render(Context({"value": value}))


def test_a_provisional_deadline_is_marked_with_its_reason():
    provisional = Deadline(D(2027, 1, 20), provisional=True)
    with translation.override("en"):
        html = _render(provisional)
        assert "20 January 2027 (provisional)" in html
        assert 'datetime="2027-01-20"' in html and 'title="Provisional:' in html
        assert _render(Deadline(D(2027, 1, 20), provisional=False)) == (
            '<time datetime="2027-01-20">20 January 2027</time>'
        )
        assert "2027-01-20 (provisional)" in _render(provisional, "Y-m-d")
    with translation.override("zh-hans"):
        html = _render(provisional)
        assert ">2027-01-20" in html and "deadline--provisional" in html
        assert _render(D(2027, 1, 20)) == '<time datetime="2027-01-20">2027-01-20</time>'
    assert _render(None) == ""


@pytest.mark.usefixtures("_english")
def test_the_admin_refuses_an_adjusted_working_weekday_and_a_year_out_of_range(admin_client):
    url = reverse("admin:credit_portal_calendarentry_add")
    answer = admin_client.post(
        url, {"day": "2027-02-10", "kind": WORKING_DAY, "name": "春节"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (
        answer.status_code == 200
        and "is a weekday, a working day already" in answer.content.decode()
    )
    answer = admin_client.post(
        url, {"day": "1800-01-01", "kind": HOLIDAY, "name": "元旦"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Enter a year from 2004 to 2100." in answer.content.decode()
    answer = admin_client.post(
        reverse("admin:credit_portal_calendaryear_add"),
        {"year": "1800", "published_reference": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Enter a year from 2004 to 2100." in answer.content.decode()
    assert not CalendarEntry.objects.exists() and not CalendarYear.objects.exists()
    assert admin_client.post(url, {"day": "2027-02-07", "kind": WORKING_DAY}).status_code == 302
