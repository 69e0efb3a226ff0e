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
