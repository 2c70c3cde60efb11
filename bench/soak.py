"""The concurrency soak of issue 12: reviewers x submissions x concurrent re-ingest, through
the real HTTP paths, on SQLite (one gunicorn, 2 workers) and on PostgreSQL (two gunicorn
instances over one PostgreSQL server this script starts, as behind a load balancer).

    python bench/soak.py --out bench/results/soak.json
    python bench/soak.py --databases postgresql --reviewers 20 --submissions 50 --out bench/results/soak_pg.json

For each database, in a scratch folder:

1. an asset folder (bench/race.py: one metric per reviewer, filler metrics, a pipeline
   metric whose status flips at every rewrite) is ingested with `qc-portal ingest`;
   each reviewer gets an account (`qc-portal users add`, annotator, display name
   `Soak Reviewer NN`) and a token (`qc-portal tokens create`);
2. the servers start (the Docker image's command, bench/server.py);
3. reviewers (threads, one keep-alive session each, spread over the instances) each
   make `--submissions` status changes of their metric with
   `POST /api/v1/assets/{name}/annotations` (`version` and `seen_history` from their
   last answer; a 409 re-reads `GET .../qc` and tries again), while `--ingesters` loops
   rewrite the folder's quality_control.json and run `qc-portal ingest FOLDER` (a new
   process each time), until every reviewer is done;
4. the checks (bench/race.py): every acknowledged annotation (a 200) is in the final
   document, every version number handed out is unique (the 200 answers; the audit log
   against the final version), the `asset_counts` counters equal a recount.

Printed and written to `--out` (JSON) per database: acknowledged, found, lost, duplicate
versions, counter mismatches, conflicts (409), other answers, ingests (updated /
unchanged / failed), throughput (acknowledged annotations and ingests per second) and
the annotation latency. Exits 1 when anything was lost, duplicated or miscounted.
`--reviewers-per-metric 2` makes reviewers share metrics, so real conflicts (409) occur.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import race, server  # noqa: E402
from tests.gunicorn_proc import BIN, ROOT, server_env  # noqa: E402

ASSET = "ecephys_soak_2025-01-01_00-00-00"
PASSWORD = "soak password, scratch database"  # scratch accounts on loopback


def display_name(reviewer: int) -> str:
    """The evaluator name reviewer number `reviewer` writes (its account's display name)."""
    return f"Soak Reviewer {reviewer:02d}"


def _cli(env: dict, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "qc-portal"), *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def _checked_cli(env: dict, *args: str, stdin: str = "") -> str:
    done = _cli(env, *args, stdin=stdin)
    if done.returncode != 0:
        raise RuntimeError(f"qc-portal {' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


class Reviewer(threading.Thread):
    """Makes `submissions` acknowledged status changes of one metric through the REST API."""

    def __init__(self, number: int, metric: str, token: str, base: str, args, stop: threading.Event):
        super().__init__(name=f"reviewer-{number}", daemon=True)
        import requests

        self.number, self.metric, self.base, self.args, self.stop = number, metric, base, args, stop
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.acks: list[dict] = []
        self.conflicts = 0
        self.answers: Counter = Counter()
        self.latency_ms: list[float] = []
        self.failures: list[str] = []

    def _read(self) -> tuple[int, int]:
        response = self.session.get(f"{self.base}/api/v1/assets/{quote(ASSET)}/qc", timeout=60)
        self.session.cookies.clear()  # tokens only: a session cookie would bring the CSRF rule in
        response.raise_for_status()
        body = response.json()
        metric = next(m for m in body["quality_control"]["metrics"] if m["name"] == self.metric)
        return body["version"], len(metric["status_history"])

    def run(self) -> None:
        """Submit until done, stopped, or out of attempts (5 per submission)."""
        url = f"{self.base}/api/v1/assets/{quote(ASSET)}/annotations"
        seen = None
        attempts = in_row = 0
        while len(self.acks) < self.args.submissions and not self.stop.is_set():
            attempts += 1
            if attempts > 5 * self.args.submissions:
                self.failures.append("gave up: 5 attempts per submission")
                return
            try:
                if seen is None:
                    seen = self._read()
                version, history = seen
                status = "Pass" if len(self.acks) % 2 else "Pending"
                body = {"version": version, "changes": [{"metric": self.metric, "status": status,
                                                         "seen_history": history}]}
                start = time.perf_counter()
                response = self.session.post(url, json=body, timeout=60)
                self.session.cookies.clear()
                self.latency_ms.append((time.perf_counter() - start) * 1000)
            except Exception as exc:  # noqa: BLE001 - a figure of the soak, not a crash of it
                self.answers[type(exc).__name__] += 1
                self.failures.append(f"{type(exc).__name__}: {exc}"[:300])
                seen = None
                time.sleep(0.2)
                continue
            self.answers[response.status_code] += 1
            if response.status_code == 200:
                in_row = 0
                answer = response.json()
                self.acks.append({"asset": ASSET, "metric": self.metric, "evaluator": display_name(self.number),
                                  "version": answer["version"]})
                seen = (answer["version"], history + 1)
            else:
                seen = None
                if response.status_code == 409:
                    # The documented loop: resubmit with the 409's version and the metric's
                    # current history length (no re-read), after a random back-off that doubles
                    # with the conflicts in a row ("full jitter"; reviewers on one metric then
                    # take turns instead of colliding on every attempt).
                    self.conflicts += 1
                    in_row += 1
                    body = response.json()
                    current = (body.get("conflicts") or [{}])[0].get("current") or {}
                    if "seen_history" in current:
                        seen = (body["version"], current["seen_history"])
                    time.sleep(random.uniform(0, min(2.0, 0.05 * 2 ** min(in_row, 6))))
                elif len(self.failures) < 20:
                    self.failures.append(f"{response.status_code}: {response.text[:200]}")
            if self.args.pause:
                time.sleep(self.args.pause)


class Ingester(threading.Thread):
    """Rewrites the asset folder and runs `qc-portal ingest FOLDER` until stopped."""

    def __init__(self, number: int, folder: Path, env: dict, args, stop: threading.Event):
        super().__init__(name=f"ingester-{number}", daemon=True)
        self.number, self.folder, self.env, self.args, self.stop = number, folder, env, args, stop
        self.outcomes: Counter = Counter()
        self.seconds: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        """Loop until stopped and at least `--min-ingests` done."""
        iteration = 0
        while not self.stop.is_set() or iteration < self.args.min_ingests:
            race.write_asset(self.folder, reviewers=self.args.reviewers, filler=self.args.filler,
                             writer=f"ingester {self.number}", iteration=iteration)
            start = time.perf_counter()
            done = _cli(self.env, "ingest", str(self.folder), "--actor", f"soak ingester {self.number}")
            self.seconds.append(time.perf_counter() - start)
            iteration += 1
            report = re.search(r"(\d+) created, (\d+) updated, (\d+) unchanged; (\d+) failed", done.stderr)
            if done.returncode != 0 or report is None:
                self.outcomes["failed"] += 1
                self.failures.append(done.stderr.strip()[-300:])
                continue
            for name, n in zip(("created", "updated", "unchanged", "failed"), report.groups(), strict=True):
                self.outcomes[name] += int(n)


def _percentile(samples: list[float], share: float) -> float | None:
    if not samples:
        return None
    samples = sorted(samples)
    return round(samples[min(len(samples) - 1, int(len(samples) * share))], 1)


def soak(database: str, args) -> dict:
    """One soak on `database` ("sqlite" or "postgresql"): its figures."""
    from tests.pg import PostgresServer

    scratch = Path(tempfile.mkdtemp(prefix=f"qcportal-soak-{database}-"))
    postgres = None
    servers = []
    try:
        if database == "postgresql":
            postgres = PostgresServer().start()
            url = postgres.create_database("soak")
        else:
            url = f"sqlite:///{scratch / 'soak.db'}"
        env = server_env(database=url, data_dir=str(scratch / "cli"))
        env["PYTHONPATH"] = str(ROOT)
        folder = scratch / "assets" / ASSET
        race.write_asset(folder, reviewers=args.reviewers, filler=args.filler)
        _checked_cli(env, "ingest", str(folder))
        tokens = []
        for i in range(args.reviewers):
            _checked_cli(env, "users", "add", f"soak{i:02d}", "--role", "annotator", "--display-name",
                         display_name(i), "--password-stdin", stdin=PASSWORD + "\n")
            tokens.append(_checked_cli(env, "tokens", "create", f"soak{i:02d}", "--name", "soak").split()[-1])

        instances = 2 if database == "postgresql" else 1
        workers = str(args.workers or (2 if instances == 1 else 1))
        for name in "ab"[:instances]:
            (scratch / name).mkdir()
        with ThreadPoolExecutor(instances) as pool:  # started together, as behind a load balancer
            servers = list(pool.map(lambda name: server.start(url, scratch / name, workers=workers), "ab"[:instances]))

        stop, deadline = threading.Event(), time.monotonic() + args.max_seconds
        reviewers = [Reviewer(i, race.review_metric(i // args.reviewers_per_metric), tokens[i],
                              servers[i % len(servers)].base, args, stop) for i in range(args.reviewers)]
        ingesters = [Ingester(i, folder, env, args, stop) for i in range(args.ingesters)]
        started = time.monotonic()
        for thread in [*reviewers, *ingesters]:
            thread.start()
        for thread in reviewers:
            thread.join(max(0.1, deadline - time.monotonic()))
        timed_out = any(thread.is_alive() for thread in reviewers)
        stop.set()
        for thread in [*reviewers, *ingesters]:
            thread.join(300)
        seconds = time.monotonic() - started

        errors = []
        for instance in servers:
            instance.stop()
            errors += [line for line in instance.output().splitlines() if " ERROR " in line or "Traceback" in line]
        servers = []
        from portal.store.sql.engine import make_engine

        engine = make_engine(url)
        try:
            figures = race.check(engine, [ack for reviewer in reviewers for ack in reviewer.acks])
        finally:
            engine.dispose()
    finally:
        for instance in servers:
            instance.stop()
        if postgres is not None:
            postgres.stop()
    outcomes = sum((ingester.outcomes for ingester in ingesters), Counter())
    answers = sum((reviewer.answers for reviewer in reviewers), Counter())
    latency = [ms for reviewer in reviewers for ms in reviewer.latency_ms]
    ingest_seconds = [s for ingester in ingesters for s in ingester.seconds]
    figures.update({
        "database": database,
        "instances": instances,
        "workers_per_instance": int(workers),
        "seconds": round(seconds, 1),
        "timed_out": timed_out,
        "conflicts": sum(reviewer.conflicts for reviewer in reviewers),
        # Starvation: the fewest and most 409s one reviewer met on the way to its submissions.
        "conflicts_per_reviewer_min": min((reviewer.conflicts for reviewer in reviewers), default=0),
        "conflicts_per_reviewer_max": max((reviewer.conflicts for reviewer in reviewers), default=0),
        "acknowledged_per_reviewer_min": min((len(reviewer.acks) for reviewer in reviewers), default=0),
        "answers": {str(code): n for code, n in sorted(answers.items(), key=str)},
        "ingests": dict(outcomes),
        "ingest_runs": len(ingest_seconds),
        "ingest_seconds_median": round(statistics.median(ingest_seconds), 2) if ingest_seconds else None,
        "acknowledged_per_s": round(figures["acknowledged"] / seconds, 1),
        "ingests_per_s": round(len(ingest_seconds) / seconds, 2),
        "annotation_p50_ms": _percentile(latency, 0.5),
        "annotation_p99_ms": _percentile(latency, 0.99),
        "server_error_lines": len(errors),
        "first_server_error": errors[0] if errors else None,
        "reviewer_failures": [f for reviewer in reviewers for f in reviewer.failures][:10],
        "ingest_failures": [f for ingester in ingesters for f in ingester.failures][:10],
    })
    figures["ok"] = figures["ok"] and not timed_out and outcomes["failed"] == 0
    if not args.keep:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    else:
        figures["scratch"] = str(scratch)
    return figures


def line(figures: dict) -> str:
    """One database's figures in two lines."""
    ingests = figures["ingests"]
    return (f"{figures['database']} ({figures['instances']} instance(s) x {figures['workers_per_instance']} "
            f"worker(s)), {figures['seconds']} s: {race.summary_line(figures)}; conflicts {figures['conflicts']}\n"
            f"  answers {figures['answers']}; ingests {figures['ingest_runs']} "
            f"({ingests.get('updated', 0)} updated, {ingests.get('unchanged', 0)} unchanged, "
            f"{ingests.get('failed', 0)} failed); {figures['acknowledged_per_s']} acknowledged/s, "
            f"{figures['ingests_per_s']} ingests/s; annotation p50 {figures['annotation_p50_ms']} ms, "
            f"p99 {figures['annotation_p99_ms']} ms; server error lines {figures['server_error_lines']}"
            + ("" if figures["ok"] else "\n  FAILED" + (" (timed out)" if figures["timed_out"] else "")))


def main() -> None:
    """Parse arguments, soak each database, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--reviewers", type=int, default=8, help="concurrent reviewers (threads)")
    parser.add_argument("--submissions", type=int, default=25, help="acknowledged status changes per reviewer")
    parser.add_argument("--reviewers-per-metric", type=int, default=1,
                        help="reviewers sharing one metric (2 or more: real conflicts)")
    parser.add_argument("--ingesters", type=int, default=2, help="concurrent re-ingest loops")
    parser.add_argument("--min-ingests", type=int, default=3, help="ingests per loop at least")
    parser.add_argument("--filler", type=int, default=100, help="metrics besides the reviewers' (document size)")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds a reviewer waits between submissions")
    parser.add_argument("--workers", type=int,
                        help="gunicorn workers per instance (default: 2 on SQLite, 1 per instance on PostgreSQL)")
    parser.add_argument("--max-seconds", type=float, default=600, help="stop the reviewers after this long")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders (databases, server logs)")
    args = parser.parse_args()
    if args.reviewers < 1 or args.submissions < 1 or args.reviewers_per_metric < 1:
        parser.error("--reviewers, --submissions and --reviewers-per-metric must be at least 1")
    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = set(databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    result: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                    "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    for database in databases:
        result[database] = soak(database, args)
        print(line(result[database]), flush=True)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    if not all(result[database]["ok"] for database in databases):
        sys.exit(1)


if __name__ == "__main__":
    main()
