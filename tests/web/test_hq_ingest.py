"""HQ ingest and the retailer JSON API on SQLite and PostgreSQL: idempotent, scoped,
and hostile input never produces a 500 or a stack trace."""

from __future__ import annotations

import copy
import functools
import json
from datetime import datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.store.demo import demo_record, demo_records
from kiosk.store.records import SessionRecord

AUTH = {"Authorization": "Bearer kiosk-token-1"}
T0 = datetime(2026, 3, 2, 12)


@functools.cache
def _records(n: int, seed: int) -> tuple[SessionRecord, ...]:
    # validated once per module: each record checks its reports against the JSON Schema
    return tuple(demo_records(n, seed=seed, end=T0, retailer_id="r1", stores=(("s1", "S"),)))


def _payload(n: int, seed: int = 0, **kw) -> list[dict]:
    """Fresh wire dicts of the same n demo visits (the tests change them freely)."""
    return [r.model_copy(update={"kiosk_id": "k1", **kw}).payload() for r in _records(n, seed)]


def test_ingest_is_idempotent_by_session_id(hq_app):
    c = hq_app.test_client()
    batch = _payload(20)
    for _ in range(3):
        r = c.post("/hq/api/v1/sessions", json={"sessions": batch}, headers=AUTH)
        assert r.status_code == 200
        assert len(r.json["accepted"]) == 20 and r.json["rejected"] == {}
    assert hq_app.extensions["kiosk"].store.count_sessions() == 20


def test_ingest_refuses_missing_wrong_and_revoked_tokens(hq_app):
    c = hq_app.test_client()
    body = {"sessions": _payload(1)}
    assert c.post("/hq/api/v1/sessions", json=body).status_code == 401
    assert (
        c.post(
            "/hq/api/v1/sessions", json=body, headers={"Authorization": "Bearer retail-token-1"}
        ).status_code
        == 401
    )
    store = hq_app.extensions["kiosk"].store
    tid = store.check_token("kiosk-token-1", "kiosk")["token_id"]
    store.revoke_token(tid)
    assert c.post("/hq/api/v1/sessions", json=body, headers=AUTH).status_code == 401


def test_a_kiosk_token_cannot_write_another_kiosks_records(hq_app):
    c = hq_app.test_client()
    r = c.post("/hq/api/v1/sessions", json={"sessions": _payload(2, kiosk_id="k2")}, headers=AUTH)
    assert r.status_code == 200 and len(r.json["rejected"]) == 2
    assert hq_app.extensions["kiosk"].store.count_sessions() == 0


def test_retailer_api_token_sees_only_its_retailer(hq_app):
    store = hq_app.extensions["kiosk"].store
    rng = np.random.default_rng(1)
    mine = [demo_record(rng, started_at=T0, retailer_id="r1", store_id="s1") for _ in range(5)]
    theirs = [demo_record(rng, started_at=T0, retailer_id="r2", store_id="s9") for _ in range(7)]
    store.save_sessions(mine + theirs)
    c = hq_app.test_client()
    h = {"Authorization": "Bearer retail-token-1"}
    r = c.get("/api/v1/retail/dashboard?from=2026-03-01&to=2026-03-31", headers=h)
    assert r.status_code == 200
    assert (r.json["funnel"][0]["stage"], r.json["funnel"][0]["sessions"]) == ("started", 5)
    csv_text = c.get(
        "/api/v1/retail/sessions.csv?from=2026-03-01&to=2026-03-31", headers=h
    ).get_data(as_text=True)
    assert len(csv_text.strip().splitlines()) == 6
    assert c.get("/api/v1/retail/dashboard").status_code == 401
    assert c.get("/api/v1/retail/dashboard", headers=AUTH).status_code == 401
    assert c.get("/api/v1/retail/dashboard?from=notadate", headers=h).status_code == 400


def test_oversized_ingest_body_is_rejected(hq_app):
    c = hq_app.test_client()
    big = json.dumps({"sessions": [{"pad": "x" * 2_000_000}]})
    r = c.post(
        "/hq/api/v1/sessions", data=big, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json["error"]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda ch: st.lists(ch, max_size=4) | st.dictionaries(st.text(max_size=12), ch, max_size=4),
    max_leaves=20,
)


def _mutated_record(draw_value, key, base):
    rec = dict(base)
    rec[key] = draw_value
    return rec


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        _json,
        st.builds(lambda xs: {"sessions": xs}, st.lists(_json, max_size=3)),
        st.builds(
            _mutated_record,
            _json,
            st.sampled_from([*_payload(1)[0].keys(), "x"]),
            st.just(_payload(1)[0]),
        ).map(lambda r: {"sessions": [r]}),
    ),
    raw=st.binary(max_size=200),
)
@pytest.mark.slow
def test_hostile_ingest_bodies_never_cause_500s_or_tracebacks(hq_app, body, raw):
    c = hq_app.test_client()
    for data, ctype in (
        (json.dumps(body, allow_nan=True), "application/json"),
        (raw, "application/json"),
        (raw, "text/plain"),
    ):
        r = c.post("/hq/api/v1/sessions", data=data, headers={**AUTH, "Content-Type": ctype})
        assert r.status_code < 500, (data, r.status_code)
        assert b"Traceback" not in r.data and b'File "' not in r.data
        r = c.get(
            "/api/v1/retail/dashboard",
            query_string={"from": str(body)[:30]},
            headers={"Authorization": "Bearer retail-token-1"},
        )
        assert r.status_code in (200, 400)


def test_a_chunked_body_is_held_to_the_same_limit(hq_app):
    """Through a real WSGI server: a body sent in chunks, with no Content-Length."""
    import http.client

    from tests.web.field import serve_on

    limit = hq_app.config["KIOSK"].web.max_request_bytes
    body = json.dumps({"sessions": [{"pad": "x" * (2 * limit)}]}).encode()
    with serve_on(hq_app, "127.0.0.1") as url:
        host, port = url.rsplit("/", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
        conn.request(
            "POST",
            "/hq/api/v1/sessions",
            body=chunks,
            headers={**AUTH, "Content-Type": "application/json"},
            encode_chunked=True,
        )
        r = conn.getresponse()
        assert r.status == 413
        conn.close()


def test_deeply_nested_json_is_a_bad_request_not_a_500(hq_app):
    c = hq_app.test_client()
    for depth in (50, 100_000):
        data = "[" * depth + "]" * depth
        r = c.post(
            "/hq/api/v1/sessions", data=data, headers={**AUTH, "Content-Type": "application/json"}
        )
        assert r.status_code == 400, (depth, r.status_code)


def test_huge_token_ids_are_bad_requests(hq_app):
    from webutil import login

    c = hq_app.test_client()
    tok = login(c, "admin")
    for tid in ("9" * 30, "9" * 5000, "-1", "0", "1e3", "2147483648"):
        for url in ("/retail/tokens", "/retail/kiosk-tokens"):
            r = c.post(url, data={"csrf_token": tok, "action": "revoke", "token_id": tid})
            assert r.status_code == 400, (url, tid, r.status_code)


@pytest.mark.parametrize(
    ("report", "path", "value"),
    [
        ("standing", ["depth_png"], "iVBORw0KGgo="),
        ("standing", ["feet", "left", "photo"], "x"),
        ("standing", ["feet", "left", "arch_class", "face"], "x"),
        ("standing", ["size", "per_foot", "right", "owner"], "x"),
        ("standing", ["size", "exact", "name"], "Jane"),
        ("gait", ["feet", "right", "frames_png"], ["x"]),
        ("gait", ["pose", "image"], "x" * 5000),
    ],
)
def test_ingest_rejects_unknown_report_fields_at_any_depth(hq_app, report, path, value):
    base = next(
        p for p in _payload(40, seed=2) if p["standing"] is not None and p["gait"] is not None
    )
    c = hq_app.test_client()
    assert c.post("/hq/api/v1/sessions", json={"sessions": [base]}, headers=AUTH).json[
        "accepted"
    ] == [base["session_id"]]
    bad = copy.deepcopy(base)
    bad["updated_at"] = "2026-03-02T13:00:00"
    node = bad[report]
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    r = c.post("/hq/api/v1/sessions", json={"sessions": [bad]}, headers=AUTH)
    assert r.status_code == 200 and base["session_id"] in r.json["rejected"]
    assert path[-1] in r.json["rejected"][base["session_id"]] or report in (
        r.json["rejected"][base["session_id"]]
    )
    stored = hq_app.extensions["kiosk"].store.get_session(base["session_id"]).payload()
    assert not stored["updated_at"].startswith("2026-03-02T13:00")  # the clean one stays


def test_ingest_keeps_questionnaire_answers_and_refuses_free_text_in_them(hq_app):
    base = next(p for p in _payload(40, seed=3) if p["consent"])
    good = {**base, "answers": {"aches": ["lower_back"], "activity": "hard_floors",
                                "heels_at_work": True}}  # fmt: skip
    c = hq_app.test_client()
    r = c.post("/hq/api/v1/sessions", json={"sessions": [good]}, headers=AUTH)
    assert r.json["accepted"] == [base["session_id"]]
    stored = hq_app.extensions["kiosk"].store.get_session(base["session_id"])
    assert stored.answers.aches == ("lower_back",) and stored.answers.heels_at_work is True
    bad = {**good, "updated_at": "2026-03-02T13:00:00",
           "answers": {"aches": ["lower_back"], "comment": "Jane, 555-1234"}}  # fmt: skip
    r = c.post("/hq/api/v1/sessions", json={"sessions": [bad]}, headers=AUTH)
    assert base["session_id"] in r.json["rejected"]
    assert "answers" in r.json["rejected"][base["session_id"]]
