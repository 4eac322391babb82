"""The partner app's supplier-initiated linking in the isolated rig: ``/connect`` creates
NOX link sessions, ``/callback`` validates and stores their result, ``/devices`` shows it."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.parties import partner_app
from tests.selftest.sandbox.browser import ALICE, BOB, doc, shown_devices
from tests.selftest.sandbox.partner_rig import DROP, Partner, encode, payload

# ================================================================== connect (link sessions)


def test_connect_requires_sign_in_and_calls_nothing(partner: Partner) -> None:
    response = partner.client().get("/connect/hp", params={"brand": "daikin"})
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["next"] == ["/connect/hp?brand=daikin"]
    assert partner.stub.calls == []


@pytest.mark.parametrize("asset_type", ["ev", "HP", "hp%20", "x" * 300])
def test_connect_knows_only_hp_and_pv(partner: Partner, asset_type: str) -> None:
    response = partner.signed_in().get(f"/connect/{asset_type}")
    assert response.status_code == 404
    assert partner.stub.calls == []


@pytest.mark.parametrize("asset_type", ["hp", "pv"])
def test_connect_creates_a_supplier_link_session(partner: Partner, asset_type: str) -> None:
    response = partner.signed_in(BOB).get(f"/connect/{asset_type}")
    (call,) = partner.stub.calls
    assert (call.method, call.path) == ("POST", "/v2/supplier/link-sessions")
    assert call.headers["x-api-key"] == partner.world.seed.secret("NOX_SUPPLIER_API_KEY")
    assert call.json == {"user_id": "usr_bob", "asset_type": asset_type, "redirect_url": f"{partner.url}/callback"}
    assert response.status_code == 303
    assert response.headers["location"].startswith("http://127.0.0.1:9/ui?token=")


@pytest.mark.parametrize(("query", "extra"), [
    ({"language": "fr", "brand": "daikin"}, {"language": "fr", "brand": "daikin"}),
    ({"language": "es"}, {"language": "es"}),
    ({"language": "de"}, {}),
    ({"language": "FR"}, {}),
    ({"brand": ""}, {}),
    ({"brand": "sma"}, {"brand": "sma"}),
])
def test_connect_passes_language_and_brand(partner: Partner, query: dict[str, str], extra: dict[str, str]) -> None:
    assert partner.signed_in().get("/connect/hp", params=query).status_code == 303
    expected = {"user_id": "usr_alice", "asset_type": "hp", "redirect_url": f"{partner.url}/callback", **extra}
    assert partner.stub.calls[0].json == expected


@pytest.mark.parametrize(("status", "body", "shown"), [
    (400, {"error": "validation_error", "message": "brand 'sma' is not valid for asset_type 'hp'"}, 400),
    (401, {"error": "unauthorized", "message": "bad key"}, 502),
    (500, {"error": "boom"}, 502),
    (201, {"link_token": "no link_url"}, 502),
    (201, {"link_url": "not a url"}, 502),
])
def test_connect_shows_nox_failures_as_a_page(partner: Partner, status: int, body: Any, shown: int) -> None:
    partner.stub.queue("/v2/supplier/link-sessions", status, body)
    response = partner.signed_in().get("/connect/hp", params={"brand": "sma"})
    assert response.status_code == shown
    alert = doc(response).one("connect-error")
    assert alert.get("role") == "alert" and alert.text.strip()
    assert partner.world.seed.secret("NOX_SUPPLIER_API_KEY") not in response.text
    if status == 400:
        assert "not valid for asset_type" in alert.text


def test_connect_refuses_an_oversized_brand_without_calling_nox(partner: Partner) -> None:
    response = partner.signed_in().get("/connect/hp", params={"brand": "b" * 500})
    assert response.status_code == 400 and doc(response).has("connect-error")
    assert partner.stub.calls == []


# ================================================================== callback


def test_callback_requires_sign_in_and_stores_nothing(partner: Partner) -> None:
    data = encode(payload())
    response = partner.client().get("/callback", params={"data": data})
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["next"] == [f"/callback?data={data}"]
    assert not partner.state.devices and not partner.state.nox_user_ids


def test_callback_after_sign_in_continues_where_it_left_off(partner: Partner) -> None:
    client = partner.client()
    location = client.get("/callback", params={"data": encode(payload())}).headers["location"]
    next_path = parse_qs(urlsplit(location).query)["next"][0]
    response = client.post("/login", data={"email": ALICE, "password": partner.password(ALICE), "next": next_path})
    assert client.get(response.headers["location"]).status_code == 200
    assert shown_devices(client.get("/devices")) == [("daikin-hp-0001", "daikin")]


def test_callback_stores_and_shows_the_devices(partner: Partner) -> None:
    client = partner.signed_in()
    assert shown_devices(client.get("/devices")) == []
    response = client.get("/callback", params={"data": encode(payload(device_ids=["dev-1", "dev-2"], extra="ok"))})
    assert response.status_code == 200
    assert shown_devices(response) == [("dev-1", "daikin"), ("dev-2", "daikin")]
    assert shown_devices(client.get("/devices")) == [("dev-1", "daikin"), ("dev-2", "daikin")]
    assert doc(response).one("nox-user-id").text.strip() == "nox_abc123"
    assert shown_devices(partner.signed_in(BOB).get("/devices")) == [], "devices belong to the signed-in user only"


def test_relinking_a_brand_replaces_its_devices_and_keeps_other_brands(partner: Partner) -> None:
    client = partner.signed_in()
    client.get("/callback", params={"data": encode(payload(device_ids=["daikin-hp-0001"]))})
    client.get("/callback", params={"data": encode(payload(brand="sma", device_ids=["sma-pv-0001"]))})
    response = client.get("/callback", params={"data": encode(payload(device_ids=["daikin-hp-0002"]))})
    assert sorted(shown_devices(response)) == [("daikin-hp-0002", "daikin"), ("sma-pv-0001", "sma")]


def _callback_cases() -> list[Any]:
    good = encode(payload())
    return [
        pytest.param(None, "no 'data'", id="no-data"),
        pytest.param("", "empty", id="empty"),
        pytest.param(good + "==", "'='", id="padded"),
        pytest.param(base64.urlsafe_b64encode(json.dumps(payload(nox_user_id="nox_ab")).encode()).decode(), "'='",
                     id="padded-by-encoder"),
        pytest.param(base64.b64encode(b'{"nox_user_id":"n??","x":"\xff\xfe"}').decode().rstrip("="), "base64url",
                     id="standard-alphabet"),
        pytest.param("not base64!", "base64url", id="not-base64"),
        pytest.param("abcde", "base64url", id="impossible-length"),
        pytest.param(encode(b"\xff\xfe\xfd"), "UTF-8", id="not-utf8"),
        pytest.param(encode(b"not json"), "JSON", id="not-json"),
        pytest.param(encode(b"[" * 100000 + b"]" * 100000)[:6000], "JSON", id="deeply-nested"),
        pytest.param(encode([payload()]), "not an object", id="a-list"),
        pytest.param(encode("a string"), "not an object", id="a-string"),
        pytest.param(encode(payload(nox_user_id=DROP)), "nox_user_id", id="no-nox-user-id"),
        pytest.param(encode(payload(device_ids=DROP, connected_at=DROP)), "device_ids", id="two-missing"),
        pytest.param(encode(payload(nox_user_id=42)), "nox_user_id", id="nox-user-id-number"),
        pytest.param(encode(payload(nox_user_id="")), "nox_user_id", id="nox-user-id-empty"),
        pytest.param(encode(payload(supplier_user_id=None)), "supplier_user_id", id="supplier-user-null"),
        pytest.param(encode(payload(brand="Daikin")), "brand", id="brand-not-lowercase"),
        pytest.param(encode(payload(brand="")), "brand", id="brand-empty"),
        pytest.param(encode(payload(brand=["daikin"])), "brand", id="brand-list"),
        pytest.param(encode(payload(device_ids=[])), "device_ids", id="no-devices"),
        pytest.param(encode(payload(device_ids="daikin-hp-0001")), "device_ids", id="devices-a-string"),
        pytest.param(encode(payload(device_ids=["ok", 7])), "device_ids", id="device-id-number"),
        pytest.param(encode(payload(device_ids=[""])), "device_ids", id="device-id-empty"),
        pytest.param(encode(payload(connected_at="1703123456")), "connected_at", id="connected-at-string"),
        pytest.param(encode(payload(connected_at=1703123456.5)), "connected_at", id="connected-at-float"),
        pytest.param(encode(payload(connected_at=True)), "connected_at", id="connected-at-bool"),
        pytest.param(encode(payload(connected_at=None)), "connected_at", id="connected-at-null"),
        pytest.param("A" * (partner_app.MAX_DATA + 4), "too long", id="huge"),
        pytest.param("ZXlK\u00e9", "base64url", id="unicode"),
    ]


@pytest.mark.parametrize(("data", "named"), _callback_cases())
def test_callback_refuses_malformed_data_and_stores_nothing(partner: Partner, data: str | None, named: str) -> None:
    client = partner.signed_in()
    response = client.get("/callback", params={} if data is None else {"data": data})
    assert response.status_code == 400
    alert = doc(response).one("callback-error")
    assert alert.get("role") == "alert"
    assert named in alert.text, f"the message should name the problem ({named!r}): {alert.text!r}"
    assert shown_devices(client.get("/devices")) == []
    assert not partner.state.devices and not partner.state.nox_user_ids


def test_callback_refuses_two_data_parameters(partner: Partner) -> None:
    client = partner.signed_in()
    good = encode(payload())
    response = client.get(f"/callback?data={good}&data={good}")
    assert response.status_code == 400 and doc(response).has("callback-error")


@pytest.mark.parametrize("other", ["usr_bob", "", "USR_ALICE", "usr_alice "])
def test_callback_for_another_user_is_refused(partner: Partner, other: str) -> None:
    client = partner.signed_in()
    response = client.get("/callback", params={"data": encode(payload(supplier_user_id=other))})
    assert response.status_code == 400
    assert "another account" in doc(response).one("callback-error").text
    assert shown_devices(client.get("/devices")) == []


def test_a_callback_replayed_in_another_session_is_refused(partner: Partner) -> None:
    url = "/callback?data=" + encode(payload())
    assert partner.signed_in().get(url).status_code == 200
    bob = partner.signed_in(BOB)
    assert bob.get(url).status_code == 400
    assert shown_devices(bob.get("/devices")) == []


def test_devices_page_requires_sign_in(partner: Partner) -> None:
    response = partner.client().get("/devices")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/devices"


