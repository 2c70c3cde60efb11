"""REST API test helpers: accounts with tokens, bearer headers, the seeded asset folder."""

from __future__ import annotations

from pathlib import Path

from portal.accounts.tokens import TokenStore
from portal.references.roots import remember_root
from tests.auth_helpers import add_user
from tests.records import metric, record


def make_token(app, name: str, role: str, display_name: str | None = None) -> str:
    """Create an account and a token acting as it; returns the token."""
    account = add_user(app, name, role, display_name)
    return TokenStore(app.server.extensions["qc_portal"].users.engine).create(account, f"{name}'s test token")[0]


def bearer(token: str) -> dict:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


V1_EVALUATION_DOC = {
    "schema_version": "1.2.2",
    "evaluations": [{
        "modality": {"name": "Behavior videos", "abbreviation": "behavior-videos"}, "stage": "Raw data",
        "name": "Video", "allow_failed_metrics": False,
        "metrics": [{"name": "frames", "value": 10, "status_history": [
            {"evaluator": "old pipeline", "status": "Pass", "timestamp": "2024-01-01T00:00:00Z"}]}],
    }],
}


def seed(app, folder: Path) -> None:
    """Assets for the API tests: `a` (local folder `folder/a`), `b`, `legacy` (1.x), `bare`, `broken`."""
    (folder / "a").mkdir(parents=True, exist_ok=True)
    a = record("a", project="Alpha", subject="1", acquired="2025-01-01T00:00:00+00:00",
               metrics=[metric("drift", "Pending", value=1.5), metric("noise", "Pass"),
                        metric("label", "Pass", value="good")], notes="first look")
    a["location"] = str(folder / "a")
    records = [
        a,
        record("b", project="Beta", modalities=("behavior",), subject="2", acquired="2025-02-01T00:00:00+00:00",
               metrics=[metric("m", "Fail", mod="behavior")]),
        record("legacy", project="Beta", modalities=("behavior-videos",), subject="3",
               acquired="2025-03-01T00:00:00+00:00", qc=V1_EVALUATION_DOC),
        record("bare", project="Gamma", subject="4", acquired="2025-04-01T00:00:00+00:00", qc=False),
        record("broken", project="Gamma", subject="5", acquired="2025-05-01T00:00:00+00:00", qc={"metrics": "x"}),
    ]
    results = app.server.extensions["qc_portal"].store.upsert_many(records)
    assert [r.action for r in results] == ["created"] * len(records), results
    # `folder` is an asset root, as `qc-portal ingest` of it would make it (uploads go there).
    remember_root(app.server.extensions["qc_portal"].users.engine, folder, by="test")
