"""Public holidays are read from `HolidayYear` rows, filled from the `holidays` library when a
calendar is saved and daily, so that server workers never load the library's 278 country
modules (bench/worker_memory.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta

import pytest

from honeydesk.jobs import schedule
from honeydesk.policy import calendars
from honeydesk.policy.models import BusinessCalendar, HolidayYear, OpeningHours


@pytest.fixture
def us_calendar(db):
    calendar = BusinessCalendar.objects.create(name="US East", time_zone="America/New_York", holiday_country="US")
    OpeningHours.objects.bulk_create(
        [OpeningHours(calendar=calendar, weekday=d, opens=time(9), closes=time(17)) for d in range(5)]
    )
    return calendar


def hours(calendar):
    return calendars.from_calendar(
        BusinessCalendar.objects.prefetch_related("opening_hours", "closures").get(pk=calendar.pk)
    )


def test_saving_a_calendar_fills_last_year_to_two_years_ahead(us_calendar):
    this_year = date.today().year
    years = sorted(HolidayYear.objects.filter(country="US", region="").values_list("year", flat=True))
    assert years == [this_year - 1, this_year, this_year + 1, this_year + 2]
    row = HolidayYear.objects.get(country="US", region="", year=this_year)
    assert row.days[f"{this_year}-12-25"] == "Christmas Day"
    assert f"{this_year}-07-04" in row.days
    # Every other day of the year is absent: the row holds holidays only.
    assert all(date.fromisoformat(d).year == this_year for d in row.days)


def test_a_filled_year_is_answered_from_the_rows_without_the_library(us_calendar, monkeypatch):
    calendars.fill_public_holidays(today=date(2025, 6, 1))
    row = HolidayYear.objects.get(country="US", region="", year=2025)
    assert "2025-01-20" in row.days  # Martin Luther King Jr. Day
    del row.days["2025-01-20"]
    row.save()

    def library(*args: object) -> object:
        raise AssertionError("a filled year asked the holidays library")

    monkeypatch.setattr(calendars, "public_holidays", library)
    desk = hours(us_calendar)
    # The row no longer lists 20 Jan: the desk is open that Monday, as the row says.
    assert desk.is_open(datetime(2025, 1, 20, 15, tzinfo=UTC))
    # 1 Jan is still in the row: closed.
    assert not desk.is_open(datetime(2025, 1, 1, 15, tzinfo=UTC))


def test_a_year_not_filled_yet_asks_the_library(us_calendar):
    far = date.today().year + 5
    assert not HolidayYear.objects.filter(year=far).exists()
    desk = hours(us_calendar)
    christmas = datetime(far, 12, 25, 15, tzinfo=UTC)
    if christmas.weekday() < 5:
        assert not desk.is_open(christmas)
    day_before = christmas - timedelta(days=1)
    assert desk.is_open(day_before) == (day_before.weekday() < 5)


def test_filling_is_idempotent_and_rewrites_a_year_the_library_now_gives_differently(us_calendar):
    assert calendars.fill_public_holidays() == 0
    row = HolidayYear.objects.get(country="US", region="", year=date.today().year)
    row.days = {}
    row.save()
    assert calendars.fill_public_holidays() == 1
    row.refresh_from_db()
    assert f"{row.year}-12-25" in row.days


def test_the_worker_fills_every_calendars_country_daily(db):
    BusinessCalendar.objects.bulk_create(  # bulk_create sends no post_save: nothing filled yet
        [BusinessCalendar(name="Bavaria", time_zone="Europe/Berlin", holiday_country="DE", holiday_region="BY")]
    )
    assert not HolidayYear.objects.exists()
    task = next(t for t in schedule.periodic() if t.name == "public-holidays")
    assert task.seconds == 24 * 3600
    assert task.run(lambda: False) is True
    row = HolidayYear.objects.get(country="DE", region="BY", year=date.today().year)
    assert f"{row.year}-01-06" in row.days  # Epiphany: a Bavarian holiday, not a national one


def test_no_server_process_imports_the_holidays_library_at_start():
    code = (
        "import os, sys, importlib;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "import django; django.setup();"
        "from django.conf import settings; importlib.import_module(settings.ROOT_URLCONF);"
        "print('holidays' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_admins_see_the_holidays_in_use_and_cannot_add_a_year_by_hand(client, us_calendar, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-tests-only")
    client.force_login(admin)
    page = client.get("/admin/policy/holidayyear/")
    assert page.status_code == 200
    assert "Christmas Day" in page.content.decode()
    assert client.get("/admin/policy/holidayyear/add/").status_code == 403
