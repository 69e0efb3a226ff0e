"""Benchmarks run on the test suite's database fixtures (imported by name: pytest registers them here too)."""

from tests.conftest import _schema, app, app_factory, database_url, make_user  # noqa: F401
