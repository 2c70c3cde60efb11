"""Two gunicorn instances on different ports over one PostgreSQL database, as behind a load
balancer: they start together (migrations take turns), a sign-in through one is valid on
the other, an annotation made through one is read through the other at once, a stale
edit through the other is a conflict, and failed sign-ins are counted across both.

Everything goes over HTTP: the account is made with `qc-portal users add`, the asset
ingested with `qc-portal ingest`; the annotation is the asset page's Submit (the Dash
callback POST a browser sends) through instance A; it is read back through instance B's
CSV export and asset page. Last, the one per-process cache that could show stale data (an
asset's folder for its reference files) is checked with two apps over one database.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from components import ids
from portal import create_app
from tests.auth_helpers import PASSWORD, SAME_ORIGIN
from tests.dash_client import DashClient
from tests.gunicorn_proc import BIN, ROOT, Gunicorn, HttpClient, find_props, free_port, server_env
from tests.records import metric, record

ASSET = "ecephys_700001_2025-03-04_10-00-00"
SECRET = "one-key-for-every-instance-at-least-32-characters"


def _cli(env: dict, *args: str, stdin: str = "") -> str:
    result = subprocess.run([str(BIN / "qc-portal"), *args], env=env, input=stdin, capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def instances(pg_url, tmp_path):  # pg_url: the session's real PostgreSQL server
    env = server_env(database=pg_url, secret_key=SECRET, workers="1", threads="4")
    servers = []
    for name in ("a", "b"):
        port = free_port()
        data = tmp_path / name
        servers.append(Gunicorn(["gunicorn", "--config", "gunicorn.conf.py", "portal.wsgi:server"],
                                {**env, "QC_PORTAL_BIND": f"127.0.0.1:{port}", "QC_PORTAL_DATA_DIR": str(data)},
                                tmp_path / f"{name}.log", port))
    try:
        # Both at once over an empty database: the advisory lock makes the migrations take turns.
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda server: server.start(), servers))
        cli_env = {**env, "QC_PORTAL_DATA_DIR": str(tmp_path / "cli")}
        _cli(cli_env, "users", "add", "rev", "--role", "admin", "--display-name", "Reviewer One",
             "--password-stdin", stdin=PASSWORD + "\n")
        dump = tmp_path / "records.json"
        dump.write_text(json.dumps([record(ASSET, project="Shared", metrics=[metric("drift", "Pass")])]))
        _cli(cli_env, "ingest", str(dump))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _sign_in(client: HttpClient) -> None:
    response = client.post("/login", data={"username": "rev", "password": PASSWORD}, headers=SAME_ORIGIN,
                           allow_redirects=False)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _asset_page(dash: DashClient) -> dict:
    status, data = dash.call("_pages_content.children",
                             {"_pages_location.pathname": f"/asset/{ASSET}", "_pages_location.search": ""},
                             ["_pages_location.pathname"])
    assert status == 200
    return data


def _submit(dash: DashClient, asset: dict, status: str, seen: tuple[int, str]):
    key = "drift [ecephys, Raw data]"  # the asset page keys edits by metric key (portal.views.asset.edits)
    edit = {"key": key, "name": "drift", "status": status, "seen_history": seen[0], "seen_status": seen[1],
            "version": asset["version"]}
    values = {f"{ids.DETAIL_SUBMIT}.n_clicks": 1, f"{ids.DETAIL_ASSET}.data": asset, f"{ids.DETAIL_REFRESH}.data": 0,
              f"{ids.DETAIL_EDITS}.data": {asset["id"]: {"metrics": {key: edit}}}}
    return dash.call(f"{ids.DETAIL_ASSET}.data", values, [f"{ids.DETAIL_SUBMIT}.n_clicks"])


def _exported(client: HttpClient) -> dict:
    response = client.get(f"/export/assets.csv?q={ASSET}")
    assert response.status_code == 200
    (row,) = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    return row


@pytest.mark.postgres
def test_sessions_annotations_and_conflicts_across_two_instances(instances):
    a_server, b_server = instances
    a, b = HttpClient(a_server.base), HttpClient(b_server.base)
    assert a_server.base != b_server.base

    # A sign-in through A is valid on B: the session is a cookie signed with the shared key.
    _sign_in(a)
    assert b.get("/status.json", allow_redirects=False).status_code in (302, 401, 403)  # anonymous on B
    b.session.cookies.update(a.session.cookies)
    assert b.get("/status.json", allow_redirects=False).status_code == 200  # admins only

    # Annotate through A (the asset page's Submit), read through B at once.
    dash_a, dash_b = DashClient(a), DashClient(b)
    asset = find_props(_asset_page(dash_a), ids.DETAIL_ASSET)["data"]
    assert _exported(b)["fail"] == "0"
    status, answer = _submit(dash_a, asset, "Fail", seen=(1, "Pass"))
    assert status == 200 and answer["response"][ids.DETAIL_ASSET]["data"]["version"] != asset["version"]
    row = _exported(b)
    assert (row["status"], row["fail"], row["last_review_by"]) == ("Fail", "1", "Reviewer One")
    assert "Reviewer One" in json.dumps(_asset_page(dash_b))

    # B with what the reviewer saw before A's write: a conflict, nothing overwritten.
    status, answer = _submit(dash_b, asset, "Pending", seen=(1, "Pass"))
    assert status == 200 and answer["response"][ids.DETAIL_CONFLICTS]["data"]["items"]
    assert _exported(a)["status"] == "Fail"
    for server in instances:
        assert " ERROR " not in server.output(), server.output()


@pytest.mark.postgres
def test_failed_sign_ins_are_counted_across_instances(instances):
    a, b = (HttpClient(server.base) for server in instances)
    statuses = []
    for attempt in range(8):
        client = (a, b)[attempt % 2]
        response = client.post("/login", data={"username": "rev", "password": "wrong"}, headers=SAME_ORIGIN)
        statuses.append(response.status_code)
    # Five free failures in all, whichever instance got them; then both refuse.
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:]


def test_an_asset_moved_through_one_instance_keeps_its_figures_on_the_other(settings, tmp_path):
    # Two apps over one database (two instances, in-process). A caches the asset's folder
    # for its reference files; the asset is re-ingested through B from another folder and
    # the old one removed: A must serve the figure from the new folder at once.
    old, new = tmp_path / "old" / ASSET, tmp_path / "new" / ASSET
    for folder, colour in ((old, b"old"), (new, b"new")):
        (folder / "qc").mkdir(parents=True)
        (folder / "qc" / "drift.png").write_bytes(b"\x89PNG\r\n\x1a\n" + colour)
    a, b = create_app(settings), create_app(settings)
    from portal.references.roots import remember_root

    for folder in (old, new):  # asset roots, as `qc-portal ingest` of them would make them
        remember_root(a.server.extensions["qc_portal"].users.engine, folder, by="test")
    rec = record(ASSET, metrics=[metric("drift", "Pass", reference="qc/drift.png")])
    a.server.extensions["qc_portal"].store.upsert_many([{**rec, "location": str(old)}])
    client = a.server.test_client()
    assert client.get(f"/references/{ASSET}/qc/drift.png").data.endswith(b"old")

    b.server.extensions["qc_portal"].store.upsert_many([{**rec, "location": str(new)}])
    (old / "qc" / "drift.png").unlink()
    response = client.get(f"/references/{ASSET}/qc/drift.png")
    assert response.status_code == 200 and response.data.endswith(b"new")
    assert client.get(f"/references/{ASSET}/qc/missing.png").status_code == 404
