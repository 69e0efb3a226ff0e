"""Explanations are stored as message keys and rendered when read: a key a release drops would leave every score
that used it unreadable (approved ones too). The keys ever stored stay in the catalogue; a stored message whose
wording this release lacks still reads as its figures, never a 500."""

from tracker.scoring.messages import CATALOG, render_data

# every key a release has stored (add new ones; never remove one)
STORED_KEYS = (
    "allowance", "allowance.within", "band.below", "band.hit", "band.none", "complaints", "deduction.count",
    "deduction.item", "expense", "expense.approx", "expense.no_hours", "field_hours", "incidents", "indicator",
    "indicator.bare", "indicator.bare_not_applicable", "indicator.missing", "indicator.missing_as",
    "indicator.quarterly", "label", "linear", "linear.capped", "list", "manual.level", "manual.mean", "manual.one",
    "metric.missing_as", "metric.rate", "no_deduction", "on_time", "on_time.business", "part", "range.above",
    "range.below", "range.inside", "range.unbounded", "rating.group", "rating.groups", "rating.groups_weighted",
    "rating.mean", "rating.one", "response", "response.business", "rework", "satisfaction", "satisfaction.none",
    "stepped",
)


def test_every_key_ever_stored_is_still_in_the_catalogue():
    assert set(STORED_KEYS) <= set(CATALOG), sorted(set(STORED_KEYS) - set(CATALOG))


def test_a_stored_message_this_release_has_no_wording_for_reads_as_its_figures():
    stored = {"k": "on_time.late_completions", "p": {"late": "1", "points": {"d": "14.50"}}}
    assert render_data(stored, "zh") == "1，14.5"
    assert render_data(stored, "en") == "1, 14.5"
    assert render_data({"k": "gone"}, "en") == "gone"
    assert render_data({"k": "on_time", "p": {"other": "3"}}, "zh") == "3"  # a parameter renamed since


def test_english_counts_take_the_singular_for_one_and_the_plural_otherwise():
    """"1 late order(s)", "1 rework order(s)", "1 step(s)" on every English appraisal sheet."""
    from tracker.scoring.messages import Msg, render

    assert render_data({"k": "on_time", "p": {"late": "1"}}, "en") == "1 late order"
    assert render_data({"k": "on_time", "p": {"late": "3"}}, "en") == "3 late orders"
    assert render_data({"k": "on_time", "p": {"late": "0"}}, "en") == "0 late orders"
    assert render(Msg("rework", {"units": 1, "completed": 7}), "en") == "1 rework order, 7 completed"
    assert render(Msg("rework", {"units": 2, "completed": 7}), "en") == "2 rework orders, 7 completed"
    assert render_data({"k": "range.below", "p": {"value": "5", "lo": "8", "steps": "1", "per": "2"}}, "en") == \
        "5 below 8: 1 step at 2"
    assert render_data({"k": "on_time", "p": {"late": "1"}}, "zh") == "逾期 1 单"
    assert not [en for _zh, en in CATALOG.values() if "(s)" in en]
