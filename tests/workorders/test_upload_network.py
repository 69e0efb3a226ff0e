"""Uploads only from TRACKER_UPLOAD_NETWORKS (CONTRACT 6): scans and photos, web and API; elsewhere 403."""

import os

import pytest

from tests.conftest import login
from tests.workorders.conftest import CANONICAL, PDF, image_bytes, upload
from tracker.workorders.network import address_allowed

OUTSIDE = {"REMOTE_ADDR": "8.8.8.8"}


def upload_calls(order):
    """(method, path, user, form data) of every upload route, web and API."""
    return [
        ("api", f"/work-orders/{order.id}/scan", "office", {"file": upload(CANONICAL + ".pdf", PDF)}),
        ("api", f"/work-orders/{order.id}/photos", "eng1", {"files": [upload("a.jpg", image_bytes())]}),
        ("web", f"/work-orders/{order.id}/scan", "office", {"file": upload(CANONICAL + ".pdf", PDF)}),
        ("web", "/work-orders/scans", "office", {"files": [upload(CANONICAL + ".pdf", PDF)]}),
        ("web", f"/work-orders/{order.id}/photos", "eng1", {"files": [upload("a.jpg", image_bytes())]}),
    ]


def send(app, api, kind, path, user, data, environ):
    if kind == "api":
        return api("POST", path, user, data=data, content_type="multipart/form-data", environ_base=environ)
    client = app.test_client()
    login(client, user)
    return client.post(path, data=data, environ_base=environ)


def test_uploads_from_outside_the_upload_networks_are_403_and_store_nothing(app, api, make_order):
    order = make_order()
    for kind, path, user, data in upload_calls(order):
        response = send(app, api, kind, path, user, data, OUTSIDE)
        assert response.status_code == 403, (kind, path)
        if kind == "api":
            assert response.get_json()["error"]["code"] == "forbidden"
    assert not os.path.exists(os.path.join(app.instance_path, "archive"))
    assert not os.path.exists(os.path.join(app.instance_path, "photos"))


def test_uploads_from_the_office_network_are_accepted(app, api, make_order):
    order = make_order()
    kind, path, user, data = upload_calls(order)[0]
    assert send(app, api, kind, path, user, data, {"REMOTE_ADDR": "192.168.1.20"}).status_code == 201


def test_upload_networks_come_from_the_setting(app_factory, make_order):
    order = make_order()
    narrow = app_factory(UPLOAD_NETWORKS="10.1.0.0/16")
    client = narrow.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "office", "password": "secret-pass-1"})
    headers = {"Authorization": "Bearer " + token.get_json()["token"]}
    with narrow.app_context():
        response = client.post(f"/api/v1/work-orders/{order.id}/scan", headers=headers,
                               data={"file": upload(CANONICAL + ".pdf", PDF)}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.status_code == 403
        response = client.post(f"/api/v1/work-orders/{order.id}/scan", headers=headers,
                               data={"file": upload(CANONICAL + ".pdf", PDF)}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert response.status_code == 201


def test_forwarded_for_is_ignored_without_trusted_proxies(app, api, make_order):
    order = make_order()
    response = api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(CANONICAL + ".pdf", PDF)},
                   environ_base=OUTSIDE, headers={"X-Forwarded-For": "192.168.1.20"})
    assert response.status_code == 403


def test_the_upload_page_warns_outside_the_network(app, make_order):
    order = make_order()
    client = app.test_client()
    login(client, "office")
    page = client.get(f"/work-orders/{order.id}/scan", environ_base=OUTSIDE).get_data(as_text=True)
    assert "只能在公司内网上传" in page and 'type="file"' not in page


@pytest.mark.parametrize("address, allowed", [
    ("127.0.0.1", True), ("10.9.8.7", True), ("172.31.255.1", True), ("172.32.0.1", False),
    ("192.168.0.1", True), ("::1", True), ("fd12::1", True), ("::ffff:192.168.1.1", True),
    ("8.8.8.8", False), ("2001:db8::1", False), ("", False), (None, False), ("not-an-ip", False),
])
def test_default_upload_networks(app, address, allowed):
    assert address_allowed(address, app.config["UPLOAD_NETWORKS_PARSED"]) is allowed
