"""The app served by gunicorn with the project's gunicorn.conf.py: what reaches the app is answered by the app.

gunicorn's own refusals are HTML pages with statuses the API does not document (a request line over 4,094 bytes is
its "414 URI Too Long"); the settings file lifts that limit so an over-long query string gets the API's JSON 400.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.deployment.test_scaleout import _free_port, _wait_up, request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not os.path.exists(os.path.join(BIN, "gunicorn")):
        pytest.skip("gunicorn is not installed")
    folder = tmp_path_factory.mktemp("gunicorn")
    env = {**os.environ, "TRACKER_INSTANCE_PATH": str(folder / "instance"), "TRACKER_SECRET_KEY": "gunicorn-test"}
    env.pop("TRACKER_DATABASE_URL", None)
    subprocess.run([os.path.join(BIN, "flask"), "--app", "tracker", "init-db"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port, log_path = _free_port(), folder / "gunicorn.log"
    with open(log_path, "w") as log:  # as docs/deployment.md says: in the project folder, no settings given
        process = subprocess.Popen([os.path.join(BIN, "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                                    "tracker:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        _wait_up(port, process, log_path)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("length", [5000, 8000, 20000])
def test_an_over_long_api_query_gets_a_json_answer_not_gunicorn_s_414_page(served, length):
    query = "&".join(["limit=%5B%5D"] * (length // 13))
    status, headers, body = request(served, "GET", "/api/v1/users?" + query)
    assert headers["Content-Type"].startswith("application/json"), (status, body[:200])
    assert status in (400, 401, 422), status  # no token: 401 unless the query itself is refused first
    assert "error" in json.loads(body)
