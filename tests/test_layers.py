"""Where things happen: only the callers (views, API handlers, commands, jobs) commit and read the clock; services
add, flush and take `now`; itinerary and work orders do not import each other."""

import ast
import pathlib

import pytest

TRACKER = pathlib.Path(__file__).resolve().parent.parent / "tracker"


# The scheduler's jobs: jobs.py, and the outbox's delivery loop it runs (each message's outcome is committed on its
# own, so one failing address never resends the others).
JOBS = ("jobs.py", "notifications/schedule.py")


def _is_caller(path):
    """A module of callers: web views (any module with routes), the API's handlers, the flask commands, the
    scheduler's jobs."""
    relative = path.relative_to(TRACKER)
    return (path.name == "views.py" or path.name.endswith("_views.py") or relative.parts[0] == "api"
            or str(relative) in ("cli.py", *JOBS) or ".route(" in path.read_text(encoding="utf-8"))


def _calls(tree, name):
    """Line numbers of calls to `name(...)` or `something.name(...)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == name) or (isinstance(func, ast.Name)
                                                                          and func.id == name):
                yield node.lineno


MODULES = sorted(TRACKER.rglob("*.py"))


def test_the_tree_has_callers_and_services():
    assert any(_is_caller(p) for p in MODULES) and any(p.name == "services.py" for p in MODULES)


@pytest.mark.parametrize("path", [p for p in MODULES if not _is_caller(p)], ids=lambda p: str(p.relative_to(TRACKER)))
def test_nothing_below_the_callers_commits(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert list(_calls(tree, "commit")) == [], f"{path.relative_to(TRACKER)} commits; flush, and let the caller commit"


# Reading the clock: tracker.clock's now()/today(), datetime.now(), date.today(), time.time(). clock.py is the clock
# itself (and stamps each request's unit of work with its time); the hooks that act at flush or commit time (the
# audit log's, the live drafts') take the time the caller stamped on the session, never the clock.
# notifications/robot_send.py signs a DingTalk request with the real time of sending (DingTalk refuses a timestamp
# an hour off the world's clock, whatever the app's clock says).
CLOCK_READERS = {("clock", "now"), ("clock", "today"), ("datetime", "now"), ("date", "today"), ("time", "time"),
                 ("datetime", "utcnow")}
CLOCK_ALLOWED = {"clock.py", "notifications/robot_send.py"}


def _clock_reads(tree):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in CLOCK_READERS):
            yield node.lineno


@pytest.mark.parametrize("path", [p for p in MODULES if not _is_caller(p)
                                  and str(p.relative_to(TRACKER)) not in CLOCK_ALLOWED],
                         ids=lambda p: str(p.relative_to(TRACKER)))
def test_nothing_below_the_callers_reads_the_clock(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert list(_clock_reads(tree)) == [], f"{path.relative_to(TRACKER)} reads the clock; take `now` from the caller"


def test_the_scan_finds_a_clock_read():
    assert list(_clock_reads(ast.parse("def f():\n    return clock.today()\n"))) == [2]


def test_the_scan_finds_a_commit():
    source = "def save(row):\n    db.session.add(row)\n    db.session.commit()\n"
    assert list(_calls(ast.parse(source), "commit")) == [3]


def _imports(path):
    """Modules a file imports (absolute names; `from tracker.x import y` gives tracker.x and tracker.x.y)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("feature, other", [("itinerary", "workorders"), ("workorders", "itinerary")])
def test_itinerary_and_work_orders_do_not_import_each_other(feature, other):
    """A trip points at a work order, so itinerary may use work orders' services; never the other way round, and
    neither imports the other's models (customers have their own module)."""
    for path in sorted((TRACKER / feature).rglob("*.py")):
        imported = _imports(path)
        assert not any(name.startswith(f"tracker.{other}.models") for name in imported), path
        if feature == "workorders":
            assert not any(name.startswith("tracker.itinerary") for name in imported), path


def _access_rules(tree):
    """Names of functions that decide who may do what (`can_*`), defined at a module's top level."""
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("can_")]


@pytest.mark.parametrize("path", [p for p in MODULES if str(p.relative_to(TRACKER)) != "auth/access.py"],
                         ids=lambda p: str(p.relative_to(TRACKER)))
def test_access_rules_live_in_auth_access(path):
    """Who may see or change a record is decided in tracker/auth/access.py only, so a rule is never written twice."""
    rules = _access_rules(ast.parse(path.read_text(encoding="utf-8")))
    assert rules == [], f"{path.relative_to(TRACKER)} defines {rules}; access rules live in auth/access.py"


def test_the_scan_finds_an_access_rule():
    assert _access_rules(ast.parse("def can_view(viewer, order):\n    return True\n")) == ["can_view"]


MODULE_LINES = 600  # a module this long is split by what its parts do, before it grows further


def test_every_module_stays_under_600_lines():
    lines = {str(path.relative_to(TRACKER)): len(path.read_text(encoding="utf-8").splitlines()) for path in MODULES}
    assert {name: count for name, count in lines.items() if count >= MODULE_LINES} == {}
