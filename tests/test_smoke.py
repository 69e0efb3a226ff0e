from tests.conftest import login


def test_login_page_is_chinese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录" in response.get_data(as_text=True)


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_engineer_logs_in(client, team):
    response = login(client, "eng1")
    assert response.status_code == 302
    assert client.get("/", follow_redirects=True).status_code == 200


def test_a_new_instances_admin_is_shown_where_to_begin(client, make_user):
    """The first admin of an empty instance landed on "no engineers in your scope" and nothing more."""
    make_user("admin", role="admin", display_name="管理员")
    login(client, "admin")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "您的范围内没有工程师。" in html
    steps = html[html.index('id="first-steps"'):]
    assert 'href="/admin/users/new"' in steps and 'href="/imports/"' in steps
