"""The month's fact queries on PostgreSQL read one month through an index, never the whole work-order table.

A synthetic company (benchmarks/company.py) of six months is analysed, then every statement month_facts sends is
EXPLAINed with its own parameters; none may scan work_orders sequentially. Also the app's facts equal the
hand-written floor's (benchmarks/floor.py) on the same data.
"""


import pytest
from sqlalchemy import event, text

from benchmarks import company, floor
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
    ids = [p.id for p in services._engineers() if services.is_eligible(p, month)]
    sent = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        facts = month_facts(ids, month, services.as_of(month, NOW))
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    cursor = db.session.connection().connection.driver_connection.cursor()
    plans = []
    for statement, parameters in sent:
        if "work_orders" not in statement:
            continue
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append(plan)
        assert "Seq Scan on work_orders" not in plan, statement + "\n" + plan
    assert len(plans) >= 5
    assert {eid: floor.summary(f) for eid, f in facts.items()} == floor.floor_facts(month, ids)
