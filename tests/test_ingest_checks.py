"""`qc-portal ingest`: warnings (unknown schema_version, no data description), `--strict`,
and bounds (size, depth, metric count, deep values, NUL characters): one bad item is one
FAILED line and everything else in the batch is ingested (SQLite; NUL on PostgreSQL too)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli.main import main
from tests.records import metric, record


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QC_PORTAL_SECRET_KEY", "test")
    return monkeypatch


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _lines(result, kind: str) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith(kind + " ")]


def folder(root: Path, rec: dict, *, files=("data_description", "subject", "acquisition", "quality_control")) -> Path:
    """An asset folder holding the record's core files (those named in `files`)."""
    path = root / rec["name"]
    path.mkdir(parents=True)
    for field in files:
        if field in rec:
            (path / f"{field}.json").write_text(json.dumps(rec[field]))
    return path


def _shown(name: str) -> dict | None:
    result = CliRunner().invoke(main, ["show", name, "--json"])
    return json.loads(result.output) if result.exit_code == 0 else None


# -- warnings ---------------------------------------------------------------------------------------


def _warned_assets(root: Path) -> dict[str, Path]:
    future = record("future_qc")
    future["quality_control"]["schema_version"] = "9.9.9"
    legacy = record("future_legacy", qc={"schema_version": "9.9.9", "evaluations": [{
        "modality": "ecephys", "stage": "Raw data", "name": "Drift",
        "metrics": [{"name": "d", "value": 1, "status_history": [
            {"evaluator": "a", "status": "Pass", "timestamp": "2024-01-01T00:00:00Z"}]}]}]})
    return {
        "future": folder(root, future),
        "legacy": folder(root, legacy),
        "no_description": folder(root, record("qc_only"), files=("quality_control",)),
        "clean": folder(root, record("clean")),
    }


def test_unknown_versions_and_missing_descriptions_are_warnings_and_ingested(env, tmp_path):
    paths = _warned_assets(tmp_path / "assets")
    result = run("ingest", str(tmp_path / "assets"))
    assert result.exit_code == 0, result.output
    assert _lines(result, "FAILED") == []
    warnings = _lines(result, "WARNING")
    assert f"WARNING {paths['future'].resolve()}: quality_control schema_version '9.9.9' is not one this portal " \
           "knows (it knows up to 2.4.2); read as the 2.3+ layout by its shape" in warnings
    assert any(str(paths["legacy"].resolve()) in line and "'9.9.9'" in line and "as the 1.1-1.2 layout" in line
               for line in warnings)
    assert f"WARNING {paths['no_description'].resolve()}: no data description (data_description.json): its " \
           "project, subject, data level and modalities are not known" in warnings
    assert len(warnings) == 3
    assert "4 created" in result.output and "3 warning(s)" in result.output
    assert _shown("future_qc")["status"]["overall"] == "Pass"
    assert _shown("qc_only")["project"] is None


def test_strict_turns_warnings_into_failures(env, tmp_path):
    paths = _warned_assets(tmp_path / "assets")
    result = run("ingest", "--strict", str(tmp_path / "assets"))
    assert result.exit_code == 1
    failed = _lines(result, "FAILED")
    assert len(failed) == 3 and _lines(result, "WARNING") == []
    assert any(str(paths["future"].resolve()) in line and "'9.9.9'" in line and line.endswith("(--strict)")
               for line in failed)
    assert any(str(paths["no_description"].resolve()) in line and "no data description" in line for line in failed)
    assert _shown("future_qc") is None and _shown("qc_only") is None and _shown("future_legacy") is None
    assert _shown("clean") is not None  # the rest is ingested
    # An unreadable quality_control is refused with or without --strict (the store's `strict`).
    broken = folder(tmp_path / "more", record("broken", qc={"metrics": [{"name": "x"}]}))
    for args in (["ingest", str(broken)], ["ingest", "--strict", str(broken)]):
        again = run(*args)
        assert again.exit_code == 1 and any("broken" in line for line in _lines(again, "FAILED"))


def test_known_versions_are_not_warned_about(env, tmp_path):
    root = tmp_path / "assets"
    for name, version in (("a", "2.4.2"), ("b", "2.1.0"), ("c", "1.2.2"), ("d", "2.0")):
        rec = record(name)
        rec["quality_control"]["schema_version"] = version
        folder(root, rec)
    result = run("ingest", str(root))
    assert result.exit_code == 0 and _lines(result, "WARNING") == [], result.output


# -- bounds: one bad item is one FAILED line ---------------------------------------------------------------


def _nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_one_bad_item_is_one_failed_line_and_the_rest_is_ingested(env, tmp_path):
    env.setenv("QC_PORTAL_MAX_DOCUMENT_MB", "1")
    env.setenv("QC_PORTAL_MAX_METRICS", "5")
    root = tmp_path / "assets"
    folder(root, record("good_1"))
    deep = root / "deep_file"
    deep.mkdir(parents=True)
    (deep / "quality_control.json").write_text("[" * 100_000)  # a RecursionError for json.loads
    big = folder(root, record("big_file"))
    (big / "subject.json").write_text(json.dumps({"subject_id": "1", "notes": "x" * (1024 * 1024)}))
    folder(root, record("many_metrics", metrics=[metric(f"m{i}") for i in range(6)]))
    folder(root, record("deep_value", metrics=[metric("m", value=_nested(40))]))  # within max_json_depth (64)
    nul = record("nul_text", notes="bad\x00notes")
    folder(root, nul)
    escaped = record("escaped_backslash", notes="C:\\u0000 is text, not a NUL")
    folder(root, escaped)
    folder(root, record("good_2"))
    dump = tmp_path / "dump.ndjson"
    dump.write_text("\n".join([
        json.dumps(record("from_dump")),
        "[" * 5000 + "]" * 5000,
        json.dumps(record("dump_nul", subject="1\x002")),
        json.dumps({**record("dump_big"), "pad": "y" * (1024 * 1024 + 10)}),
        json.dumps(record("after_big")),
    ]) + "\n")

    result = run("ingest", str(root), str(dump))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    failed = _lines(result, "FAILED")
    assert len(failed) == 8, result.output

    def line(needle: str) -> str:
        (found,) = [f for f in failed if needle in f]
        return found

    assert "nested more than 64 levels deep (QC_PORTAL_MAX_JSON_DEPTH)" in line(str(deep.resolve()))
    assert "more than QC_PORTAL_MAX_DOCUMENT_MB (1 MB)" in line(str(big.resolve() / "subject.json"))
    assert "quality_control has 6 metrics, more than QC_PORTAL_MAX_METRICS (5)" in line("many_metrics")
    assert "value is nested more than 32 levels deep" in line("deep_value")
    assert "quality_control.json: holds a NUL character (\\u0000) at notes," in line("nul_text")
    assert "nested more than 64 levels deep" in line(f"{dump}:2")
    assert "holds a NUL character (\\u0000) at data_description.subject_id" in line(f"{dump}:3")
    assert "more than QC_PORTAL_MAX_DOCUMENT_MB" in line(f"{dump}:4")
    assert "5 created" in result.output
    for name in ("good_1", "good_2", "escaped_backslash", "from_dump", "after_big"):
        assert _shown(name) is not None, name
    for name in ("big_file", "many_metrics", "deep_value", "nul_text", "dump_nul"):
        assert _shown(name) is None, name


def test_a_json_dump_refuses_its_bad_records_only(env, tmp_path):
    dump = tmp_path / "records.json"
    dump.write_text(json.dumps([record("one"), record("two", notes="\x00"), record("three")]))
    result = run("ingest", str(dump))
    assert result.exit_code == 1
    (failed,) = _lines(result, "FAILED")
    assert failed.startswith(f"FAILED {dump}[1]: ") and "NUL character" in failed
    assert "2 created" in result.output


@pytest.mark.postgres
def test_nul_characters_are_refused_the_same_on_postgresql(env, tmp_path, pg_url):
    env.setenv("QC_PORTAL_DATABASE", pg_url)
    dump = tmp_path / "records.ndjson"
    dump.write_text("\n".join(json.dumps(r) for r in (
        record("fine"), record("nul_name\x00"), record("nul_metric", metrics=[metric("m\x00")]))) + "\n")
    result = run("ingest", str(dump))
    assert result.exit_code == 1 and "Traceback" not in result.output
    failed = _lines(result, "FAILED")
    assert len(failed) == 2 and all("NUL character" in line for line in failed), failed
    assert "1 created" in result.output and _shown("fine") is not None
