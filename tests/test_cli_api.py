"""`qc-portal tokens ...` and `qc-portal export NAME --dest DIR` (local, S3 and kachery references)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from portal.accounts.tokens import TokenStore
from portal.cli.main import main
from portal.context import build_portal
from portal.settings import load_settings
from tests.records import metric, record
from tests.s3_fixtures import *  # noqa: F403

PNG = b"\x89PNG\r\n\x1a\n figure"


@pytest.fixture
def data(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(folder))
    monkeypatch.setenv("QC_PORTAL_SECRET_KEY", "test")
    return folder


@pytest.fixture
def portal(data):
    return build_portal(load_settings())


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- tokens ----------------------------------------------------------------------------


def test_tokens_create_list_revoke(portal):
    portal.users.add("ada", "annotator", "correct horse battery")
    made = run("tokens", "create", "ada", "--name", "sorting pipeline")
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("qcp_") and made.stdout.strip() == token  # alone, on stdout
    assert "not shown again" in made.stderr
    listed = run("tokens", "list")
    assert "sorting pipeline" in listed.stdout and "never used" in listed.stdout and token not in listed.stdout
    tokens = TokenStore(portal.users.engine)
    assert tokens.account(token).name == "ada"
    assert "last used" in run("tokens", "list", "ada").stdout
    token_id = tokens.list("ada")[0].id
    revoked = run("tokens", "revoke", str(token_id))
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert tokens.account(token) is None and "revoked" in run("tokens", "list", "ada").stdout


def test_tokens_for_unknown_users_and_tokens_fail_with_one_line(portal):
    result = CliRunner().invoke(main, ["tokens", "create", "nobody"])
    assert result.exit_code == 1 and "no user named 'nobody'" in result.stderr
    result = CliRunner().invoke(main, ["tokens", "revoke", "999"])
    assert result.exit_code == 1 and "no token 999" in result.stderr


# -- export ------------------------------------------------------------------------------


def test_export_writes_the_qc_and_its_local_files(portal, tmp_path):
    folder = tmp_path / "assets" / "a"
    (folder / "figures").mkdir(parents=True)
    (folder / "figures" / "drift map.png").write_bytes(PNG)
    (folder / "figures" / "b.png").write_bytes(b"b")
    rec = record("a", metrics=[
        metric("drift", reference="figures/drift map.png"), metric("pair", reference="figures/b.png;figures/b.png"),
        metric("web", reference="https://example.org/x.png"), metric("gone", reference="figures/missing.png"),
        metric("zarr", reference="data.zarr"), metric("none")])
    rec["location"] = str(folder)
    portal.store.upsert_many([rec])
    dest = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", "a", "--dest", str(dest)])
    assert result.exit_code == 1  # a file could not be fetched: said, and the rest exported
    assert "FAILED figures/missing.png" in result.stderr and "SKIPPED data.zarr" in result.stderr
    assert (dest / "figures" / "drift map.png").read_bytes() == PNG and (dest / "figures" / "b.png").exists()
    qc = json.loads((dest / "quality_control.json").read_text())
    assert qc["schema_version"] == "2.4.2"
    refs = {m["name"]: m.get("reference") for m in qc["metrics"]}
    assert refs["drift"] == "figures/drift map.png" and refs["web"] == "https://example.org/x.png"
    # The exported folder is an asset folder: ingest reads it back.
    again = CliRunner().invoke(main, ["ingest", str(dest)])
    assert again.exit_code == 0, again.output


def test_export_fetches_s3_and_kachery_files_and_rewrites_their_references(portal, tmp_path, monkeypatch,
                                                                           moto_s3, s3_client, bucket):
    import kachery_cloud

    monkeypatch.setenv("KACHERY_CLOUD_DIR", str(tmp_path / "kachery"))
    (tmp_path / "kachery").mkdir()
    source = tmp_path / "units.png"
    source.write_bytes(b"kachery png")
    sha1 = kachery_cloud.store_file_local(str(source), label="units.png")
    s3_client.put_object(Bucket=bucket, Key="asset-s3/qc/rel.png", Body=b"relative png")
    s3_client.put_object(Bucket=bucket, Key="elsewhere/abs.png", Body=b"absolute png")
    monkeypatch.setenv("QC_PORTAL_S3_ENDPOINT", moto_s3)
    rec = record("asset-s3", metrics=[metric("rel", reference="qc/rel.png"),
                                      metric("abs", reference=f"s3://{bucket}/elsewhere/abs.png"),
                                      metric("kachery", reference=sha1)])
    rec["location"] = f"s3://{bucket}/asset-s3"
    portal.store.upsert_many([rec])
    dest = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", "asset-s3", "--dest", str(dest)])
    assert result.exit_code == 0, result.stderr
    refs = {m["name"]: m["reference"] for m in json.loads((dest / "quality_control.json").read_text())["metrics"]}
    assert (dest / refs["rel"]).read_bytes() == b"relative png" and refs["rel"] == "qc/rel.png"
    assert refs["abs"] == f"references/s3/{bucket}/elsewhere/abs.png" and (dest / refs["abs"]).read_bytes() == \
        b"absolute png"
    assert refs["kachery"].startswith("references/kachery/") and refs["kachery"].endswith("/units.png")
    assert (dest / refs["kachery"]).read_bytes() == b"kachery png"


def test_export_of_unknown_or_qc_less_assets(portal, tmp_path):
    portal.store.upsert_many([record("bare", qc=False)])
    missing = CliRunner().invoke(main, ["export", "nope", "--dest", str(tmp_path / "x")])
    assert missing.exit_code == 1 and "Asset not found: nope" in missing.stderr
    bare = CliRunner().invoke(main, ["export", "bare", "--dest", str(tmp_path / "x")])
    assert bare.exit_code == 1 and "no quality_control" in bare.stderr
