"""EXPLAIN every statement the holder list issues, for each scenario of the list benchmark.

Run against a database made by `flask passes generate --holders 100000`:
    .venv/bin/python -m benchmarks.passes_list_explain <DATABASE_URL> [scenario substring] [-v]
On PostgreSQL it prints each statement's EXPLAIN (ANALYZE, BUFFERS) execution time (ms; -v: the plans);
on SQLite the statement's wall time and EXPLAIN QUERY PLAN. Columns: the statements that read the list
tables, in order; usually one (the page with its count and selection counter), more where a keyset page
crosses the NULL dates or a page number lies past the end.
The machine is shared: execution times are the database's own, free of client and load noise.
"""

import re
import sys
import time

from sqlalchemy import event, select

from benchmarks.passes_list_bench import bench_context, keyset_cases, scenarios
from webapp import create_app
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.passes import services
from webapp.passes.models import ExamType

args = [a for a in sys.argv[1:] if a != "-v"]
url, only = args[0], (args[1] if len(args) > 1 else "")
verbose = "-v" in sys.argv
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PUBLIC_URL": "http://localhost"})
with app.app_context():
    user = db.session.execute(select(User).where(User.email == "bench@pasjes.example")).scalar_one()
    acting = bench_context(user.id)
    scope = [organisation.id for organisation in services.scope_organisations(acting)]
    et = db.session.execute(select(ExamType).where(ExamType.name == "Eerste Hulp")).scalar_one()
    captured = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "passes_holder_organisation" in statement and not statement.startswith("EXPLAIN"):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    pg = db.engine.dialect.name == "postgresql"
    for name, filters in scenarios(et.id, scope[0]) + keyset_cases(user.id, et.id):
        if only and only not in name:
            continue
        captured.clear()
        services.holder_list(acting, filters)
        stmts = list(captured)
        line = []
        for statement, params in stmts:
            raw = db.session.connection().connection.dbapi_connection.cursor()
            if pg:
                raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                plan = [r[0] for r in raw.fetchall()]
                ms = float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
            else:
                t0 = time.perf_counter()
                raw.execute(statement, params)
                raw.fetchall()
                ms = 1000 * (time.perf_counter() - t0)
                raw.execute("EXPLAIN QUERY PLAN " + statement, params)
                plan = [str(r) for r in raw.fetchall()]
            line.append(ms)
            if verbose:
                print("  SQL:", statement.replace("\n", " ")[:600])
                print("   ", "\n    ".join(plan))
        print(f"{name:<34} " + " ".join(f"{m:7.2f}" for m in line))
        db.session.rollback()
