"""CONTRACT 11: a password change ends every session and token of the user "at once", a login that checked the
old password while the change was being saved included."""

import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker.auth import services as auth_services
from tracker.auth.models import ApiToken, User
from tracker.extensions import db

LOGIN = textwrap.dedent("""
    import pathlib, sys, time
    from datetime import datetime
    from tracker import create_app
    from tracker.auth import services
    from tracker.extensions import db
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier, password = pathlib.Path(sys.argv[3]), sys.argv[4]
    check = services.authenticate

    def checked_then_wait(*args):  # the old password verified; the change is saved before the token is issued
        user = check(*args)
        (barrier / "checked").touch()
        deadline = time.time() + 60
        while not (barrier / "changed").exists() and time.time() < deadline:
            time.sleep(0.01)
        return user

    services.authenticate = checked_then_wait
    now = datetime(2026, 11, 20, 10)
    with app.app_context():
        user = services.login("eng1", password, "127.0.0.1", now)
        if user is not None:
            services.issue_token(user, 8, now=now)
        db.session.commit()
        print("token" if user is not None else "refused", flush=True)
""")


def test_a_login_that_checked_the_old_password_gets_no_token_that_outlives_the_change(app, team, tmp_path):
    """The login verified the old password, then the admin changed it (every token of the user deleted), then the
    login stored its token: it worked after the change meant to shut out whoever knew the old password."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    login = subprocess.Popen([sys.executable, "-c", LOGIN, app.config["DATABASE_URL"], str(tmp_path / "l"),
                              str(barrier), PASSWORD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (barrier / "checked").exists() and time.time() < deadline and login.poll() is None:
        time.sleep(0.01)
    engineer = db.session.scalar(select(User).where(User.username == "eng1"))
    auth_services.update_user(engineer, {"password": "a-new-secret-9"}, actor=team["admin"])
    db.session.commit()
    (barrier / "changed").touch()
    out, err = login.communicate(timeout=60)
    assert login.returncode == 0, err
    assert out.strip() == "refused", (out, err)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == engineer.id)) == 0
