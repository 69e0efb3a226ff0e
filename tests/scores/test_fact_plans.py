"""The month's fact queries on PostgreSQL read one month through an index, never the whole work-order table.

A synthetic company (benchmarks/company.py) of six months is analysed, then every statement month_facts sends is
EXPLAINed with its own parameters; none may scan work_orders sequentially. Also the app's facts equal the
hand-written floor's (benchmarks/floor.py) on the same data. `make bench-plans` prints the same plans, analysed, at
100,000 orders a month (docs/performance.md).
"""


import pytest
from sqlalchemy import text

from benchmarks import company, floor
from benchmarks.plans import WHOLE_TABLE, fact_plans
from tests.conftest import NOW, scratch_postgres_app
from tracker.extensions import db
from tracker.scores import services
from tracker.scores.facts import month_facts


@pytest.fixture
def postgres_company(tmp_path):
    """A scratch PostgreSQL database (TRACKER_TEST_POSTGRES_URL's server) holding a six-month company."""
    with scratch_postgres_app("_fact_plans", tmp_path / "instance"):
        built = company.build(company.Sizes(engineers=60, orders=6000, months=6), NOW)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        yield built

def test_no_fact_query_scans_the_whole_work_order_table(postgres_company):
    month = postgres_company["month"]
    ids = [p.id for p in services.scored_engineers() if services.is_eligible(p, month)]
    plans = fact_plans(month, ids, services.as_of(month, NOW))
    for statement, plan in plans:
        assert not any(WHOLE_TABLE in line for line in plan), statement + "\n" + "\n".join(plan)
    assert len(plans) >= 5
    facts = month_facts(ids, month, services.as_of(month, NOW))
    assert {eid: floor.summary(f) for eid, f in facts.items()} == floor.floor_facts(month, ids)
