"""CONTRACT 11: no built-in secret key; each instance writes its own random key once and keeps it."""

import os
import stat

from tests.security.support import OLD_DEFAULT_KEY, production_like_app, signed_session_cookie


def test_fresh_instance_writes_a_private_random_key_and_a_second_start_reuses_it(database_url, app, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    instance = tmp_path / "fresh-instance"
    first = production_like_app(database_url, instance)
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert first.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) >= 64 and first.secret_key != OLD_DEFAULT_KEY
    second = production_like_app(database_url, instance)
    assert second.secret_key == first.secret_key
    other = production_like_app(database_url, tmp_path / "another-instance")
    assert other.secret_key != first.secret_key


def test_a_key_from_the_environment_is_used_and_no_file_is_written(database_url, app, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_SECRET_KEY", "k" * 40)
    instance = tmp_path / "env-instance"
    built = production_like_app(database_url, instance)
    assert built.secret_key == "k" * 40
    assert not (instance / "secret_key").exists()


def test_session_cookie_forged_with_the_old_default_key_is_rejected(database_url, app, team, tmp_path,
                                                                    monkeypatch):
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    served = production_like_app(database_url, tmp_path / "instance-forged")
    client = served.test_client()
    admin_id = str(team["admin"].id)
    for payload in ({"_user_id": admin_id, "_fresh": True},
                    {"_user_id": admin_id, "_fresh": True, "_id": "x" * 128}):
        client.set_cookie("session", signed_session_cookie(OLD_DEFAULT_KEY, payload))
        response = client.get("/admin/users")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    client.delete_cookie("session")
    client.set_cookie("remember_token", admin_id + "|forged")
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
