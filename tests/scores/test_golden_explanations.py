"""The rendered explanations of a seeded month stay what they were: the demo data set (fixed seed, fixed now) is
computed and every indicator's points, explanation (Chinese and English) and records, as the scores API answers them,
must equal the recorded answers in golden/demo_explanations.json. A change to how explanations are stored or
rendered must not change one character of them; a deliberate change of wording re-records the file
(TRACKER_RECORD_GOLDEN=1) and shows up in review as that file's diff."""

import json
import os
from pathlib import Path

from tests.conftest import NOW
from tracker import demo as demo_data
from tracker.extensions import db
from tracker.scores import services as reports

GOLDEN = Path(__file__).parent / "golden" / "demo_explanations.json"
MONTHS = ("2026-09", "2026-10", "2026-11")


def _answers(client):
    token = client.post("/api/v1/auth/token", json={"username": "gm.wang", "password": demo_data.PASSWORD})
    headers = {"Authorization": "Bearer " + token.get_json()["token"]}
    out = {}
    for month in MONTHS:
        for lang in ("zh", "en"):
            page, pages = 1, 1
            while page <= pages:
                response = client.get(f"/api/v1/scores/{month}?explain=1&lang={lang}&per_page=100&page={page}",
                                      headers=headers)
                assert response.status_code == 200, response.get_json()
                body = response.get_json()
                pages = body["pages"]
                for row in body["scores"]:
                    key = f"{month} {row['username']} {lang}"
                    out[key] = {"total": row.get("total"), "indicators": [
                        [i["code"], i.get("points"), i["explanation"], i["records"]] for i in row["indicators"]]}
                page += 1
    return out


def test_the_demo_months_explanations_are_unchanged(app, runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for month in MONTHS:
        reports.compute_month(month, NOW)
        db.session.commit()
    got = _answers(client)
    assert len(got) > 20 and any(row["indicators"] for row in got.values())
    if os.environ.get("TRACKER_RECORD_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert got.keys() == expected.keys()
    for key in expected:
        assert got[key] == expected[key], key
