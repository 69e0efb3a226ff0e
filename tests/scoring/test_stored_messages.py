"""Explanations are stored as data and rendered when read: for random months of every preset, the stored form of
each indicator's message renders to exactly the sentence the message itself renders, in Chinese and English."""

import json
from decimal import Decimal

import pytest
from hypothesis import given

from tests.scoring.test_monotone_property import SETTINGS, TEMPLATES, months
from tracker.scoring.engine import evaluate
from tracker.scoring.messages import Msg, Text, dumps, render, render_data


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_every_presets_stored_explanations_render_as_the_messages_do(code):
    @SETTINGS
    @given(months(code))
    def check(facts):
        for row in evaluate(TEMPLATES[code], facts).indicators:
            data = dumps(row.message)
            assert render_data(data, "zh") == render(row.message, "zh") == row.explanation
            assert render_data(data, "en") == render(row.message, "en") == row.explanation_en

    check()


def test_decimals_are_stored_exactly_and_formatted_when_rendered():
    msg = Msg("indicator", {"name": Text("响应", "Response"), "details": [Msg("no_deduction"), "x", 3],
                            "points": Decimal("12.50"), "max": Decimal("15")})
    data = dumps(msg)
    assert json.loads(data)["p"]["points"] == {"d": "12.50"}
    assert render_data(data, "zh") == "响应：无扣分，x，3，得 12.5 分（满分 15）"
    assert render_data(json.loads(data), "en") == "Response: no deductions, x, 3; 12.5 of 15 points"
    with pytest.raises(ValueError):
        render_data(data, "fr")
