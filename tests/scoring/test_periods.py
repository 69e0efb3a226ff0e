"""Eligibility after six months' service and the mid-year / annual means."""

from datetime import date
from decimal import Decimal as D

import pytest

from tracker.scoring.decimals import round2
from tracker.scoring.periods import add_months, eligible, period_mean


@pytest.mark.parametrize("day, later", [
    (date(2026, 1, 15), date(2026, 7, 15)),
    (date(2026, 8, 31), date(2027, 2, 28)),     # month end stays at month end
    (date(2026, 2, 28), date(2026, 8, 31)),     # 28 February is a month end too
    (date(2027, 8, 31), date(2028, 2, 29)),     # leap year
    (date(2026, 3, 30), date(2026, 9, 30)),
    (date(2026, 3, 31), date(2026, 9, 30)),
    (date(2025, 8, 29), date(2026, 2, 28)),     # a day the target month lacks
    (date(2026, 9, 30), date(2027, 3, 31)),     # 30 September is a month end: to 31 March
])
def test_six_months_after_a_date(day, later):
    assert add_months(day, 6) == later


@pytest.mark.parametrize("hired, month, early, expected", [
    (date(2026, 1, 15), "2026-06", None, False),
    (date(2026, 1, 15), "2026-07", None, True),
    (date(2026, 1, 31), "2026-07", None, True),     # 31 July ≤ 31 July
    (date(2026, 8, 31), "2027-01", None, False),
    (date(2026, 8, 31), "2027-02", None, True),     # +6 months is 28 February 2027
    (date(2026, 9, 1), "2027-02", None, False),
    (date(2026, 9, 1), "2027-03", None, True),
    (date(2026, 8, 31), "2026-12", "2026-12", True),  # early confirmation from M on
    (date(2026, 8, 31), "2026-11", "2026-12", False),
    (date(2026, 8, 31), "2027-01", "2026-12", True),
])
def test_eligibility_needs_six_months_or_an_early_confirmation(hired, month, early, expected):
    assert eligible(hired, month, early) is expected


TOTALS = {"2026-01": D("80.00"), "2026-02": None, "2026-03": D("90.00"), "2026-06": D("85.50"),
          "2026-07": D("60.00"), "2026-12": D("70.00"), "2025-12": D("10.00"), "2027-01": D("10.00")}


def test_mid_year_is_the_mean_of_january_to_june_months_with_a_total():
    result = period_mean(TOTALS, 2026, "mid_year")
    assert result.months == ("2026-01", "2026-03", "2026-06")
    assert round2(result.score) == D("85.17")                   # (80 + 90 + 85.5) / 3, exact until shown


def test_annual_is_the_mean_of_the_year():
    result = period_mean(TOTALS, 2026, "annual")
    assert result.months == ("2026-01", "2026-03", "2026-06", "2026-07", "2026-12")
    assert result.score == D("77.1")                            # 385.5 / 5


def test_period_without_any_total_has_no_score():
    assert period_mean({"2026-02": None}, 2026, "mid_year").score is None
    assert period_mean({}, 2026, "annual").months == ()
