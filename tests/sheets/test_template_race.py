"""A version saved while the latest is withdrawn, at the same moment (real threads against a served app): one waits
for the other. Both went through, leaving versions 1 and 3, the new one checked against the withdrawn one."""

import copy

from sqlalchemy import select

from tests.conftest import NOW
from tests.itinerary.test_concurrency import _all_at_once, _post, _send
from tracker.editor import services
from tracker.extensions import db
from tracker.scores import templates_store
from tracker.scores.models import KpiTemplate

CODE = "engineer_monthly"


def _body(top):
    data = copy.deepcopy(services.body_of(services.latest_version(CODE)))
    response = next(i for i in data["indicators"] if i["code"] == "response")
    response["params"]["bands"] = [[1, 15], [0.95, 12], [0.9, 9], [0.8, 6], [0.5, top]]
    return data


def test_a_version_saved_while_the_latest_is_withdrawn_follows_the_version_left(live_server, team, token):
    templates_store.sync_presets(NOW)
    db.session.commit()
    headers = token("admin")
    url = f"{live_server}/api/v1/templates/{CODE}/versions"
    for round_ in range(4):
        db.session.rollback()
        latest = services.latest_version(CODE).version
        status, _body_ = _post(url, headers, {"body": _body(5 - round_), "effective_from": "2099-12"})
        assert status == 201, _body_
        calls = [("DELETE", f"{url}/{latest + 1}", {}),
                 ("POST", url, {"body": _body(0.5 + round_), "effective_from": "2099-12"})]
        (withdrawn, _w), (saved, body) = _all_at_once(2, lambda n, calls=calls: _send(*calls[n][:2], headers,
                                                                                        calls[n][2]))
        assert (withdrawn, saved) in ((204, 201), (409, 201)), (withdrawn, saved, body)
        db.session.rollback()
        versions = db.session.scalars(select(KpiTemplate.version).where(KpiTemplate.code == CODE)
                                      .order_by(KpiTemplate.version)).all()
        assert versions == list(range(1, len(versions) + 1)), versions  # never a gap: [1, 3]
        assert body["version"] == versions[-1]
