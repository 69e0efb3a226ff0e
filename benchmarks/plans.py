"""`make bench-plans`: the plan of every statement month_facts sends, on PostgreSQL, at company scale.

    .venv/bin/python -m benchmarks.plans --database postgresql://postgres@127.0.0.1:5432/tracker_plans [--reuse]

Builds the company (by default 2,000 engineers and 100,000 work orders a month over six months: 600,000 orders) into
a PostgreSQL database of its own (created when missing, emptied first; --reuse keeps a company of the same sizes,
adding the indexes the models have and it lacks), analyses it, runs month_facts for the last month, then
EXPLAIN ANALYZEs each statement it sent with its own parameters. Prints every scan and join with the execution
time; exits 1 when a statement reads the whole work-order table (a sequential scan of work_orders).
"""

import sys

from sqlalchemy import event, text

WHOLE_TABLE = "Seq Scan on work_orders"  # "Parallel Seq Scan on work_orders" too


def fact_plans(month, engineer_ids, as_of, analyze=False):
    """[(statement, plan lines)] of the work-order statements month_facts sends for these engineers, the times a
    template measuring business hours reads included (PostgreSQL; in an app context). With analyze the statements
    run (EXPLAIN ANALYZE: actual rows and times)."""
    from tracker.extensions import db
    from tracker.scores.facts import month_facts

    sent = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        month_facts(engineer_ids, month, as_of, business_hours=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    cursor = db.session.connection().connection.driver_connection.cursor()
    plans = []
    for statement, parameters in sent:
        if "work_orders" not in statement:
            continue
        cursor.execute(("EXPLAIN ANALYZE " if analyze else "EXPLAIN ") + statement, parameters)
        plans.append((statement, [row[0] for row in cursor.fetchall()]))
    return plans


def main(argv=None):
    from benchmarks.load import company_parser, open_company
    from benchmarks.run import NOW
    from tracker.extensions import db
    from tracker.scores import services
    from tracker.scoring.month import Month

    parser = company_parser(__doc__.splitlines()[0], 6, "months of records (the last one is read)")
    args = parser.parse_args(argv)
    app, _folder = open_company(parser, args, "tracker-plans-")
    whole = 0
    with app.app_context():
        for table in db.metadata.sorted_tables:  # a company built before an index was added gets it
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)
        with db.engine.connect() as conn:  # the statistics and visibility map autovacuum keeps on a table in use
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        month = Month.from_parts(NOW.year, NOW.month - 1)
        ids = [p.id for p in services.scored_engineers() if services.is_eligible(p, month)]
        total = db.session.execute(text("SELECT count(*) FROM work_orders")).scalar()
        print(f"engineers {len(ids)} assessed, month {month}, work orders in the database {total}\n")
        for statement, plan in fact_plans(month, ids, services.as_of(month, NOW), analyze=True):
            print("==", " ".join(statement.split())[:150])
            for line in plan:
                if "Scan" in line or "Join" in line or "Execution Time" in line:
                    print("  ", line.strip()[:160])
            whole += any(WHOLE_TABLE in line for line in plan)
    print(f"\nstatements reading the whole work-order table: {whole}")
    return 1 if whole else 0


if __name__ == "__main__":
    sys.exit(main())
