"""One process of the re-ingest race (tests/test_concurrency.py): a pipeline re-ingesting
an asset folder in a loop, or a reviewer annotating it through the store API.

    python -m tests.race_worker ingest FOLDER --writer w1 --reviewers 4 --filler 60 --seconds 4
    python -m tests.race_worker review ASSET --reviewer 0

The database is the environment's (QC_PORTAL_DATABASE, QC_PORTAL_DATA_DIR), as for the
`qc-portal` command. Each worker prints `ready` once it has imported everything, waits
for `go` on standard input, runs, and prints one JSON line with what it did last:

- `ingest` rewrites the folder's quality_control.json (bench/race.py) and runs the
  `qc-portal ingest FOLDER` command in this process (its own code path, without the
  process start-up), again and again for `--seconds` (at least `--min-ingests` times);
- `review` annotates its own metric (`review NN`, as evaluator `Race Reviewer NN`) with
  the version and history length of its last answer until `stop` arrives on standard
  input, pausing `--pause` seconds between submissions; a conflict re-reads the asset.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from bench.race import review_metric, write_asset


def evaluator(reviewer: int) -> str:
    """The evaluator name reviewer number `reviewer` writes."""
    return f"Race Reviewer {reviewer:02d}"


def _handshake() -> None:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("race_worker: expected `go`")


def ingest(args) -> dict:
    """Rewrite and re-ingest the folder until the time is up (and at least min_ingests times)."""
    from portal.cli.main import main

    folder = Path(args.folder)
    _handshake()
    done = {"ingests": 0, "failed": 0, "errors": []}
    deadline = time.monotonic() + args.seconds
    started = time.monotonic()
    while time.monotonic() < deadline or done["ingests"] < args.min_ingests:
        write_asset(folder, reviewers=args.reviewers, filler=args.filler, writer=args.writer,
                    iteration=done["ingests"])
        try:
            main(["ingest", str(folder), "--actor", args.writer], standalone_mode=False)
        except SystemExit as exc:  # the command exits 1 when an item failed
            if exc.code:
                done["failed"] += 1
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            done["failed"] += 1
            done["errors"].append(f"{type(exc).__name__}: {exc}"[:300])
        done["ingests"] += 1
        if time.monotonic() - started > 4 * args.seconds + 30:
            break  # a hard bound, whatever happens
    done["seconds"] = round(time.monotonic() - started, 2)
    return done


def review(args) -> dict:
    """Annotate `review NN` (Pass/Pending in turn) until `stop`; every answer recorded."""
    from portal.settings import load_settings
    from portal.store import open_store
    from portal.store.protocol import Annotation, MetricEdit

    store = open_store(load_settings())
    metric, who = review_metric(args.reviewer), evaluator(args.reviewer)
    _handshake()
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    done: dict = {"acks": [], "conflicts": 0, "errors": []}
    started = time.monotonic()
    base = None
    while not stop.is_set() and time.monotonic() - started < 120:
        if base is None:
            stored = store.get(args.asset)
            history = next(m for m in stored.record["quality_control"]["metrics"] if m["name"] == metric)
            base = (stored.id, stored.version, len(history["status_history"]))
        asset_id, version, seen = base
        status = "Pass" if len(done["acks"]) % 2 else "Pending"
        try:
            edit = MetricEdit(metric, status=status, seen_history=seen)
            result = store.annotate(Annotation(asset_id, version, (edit,)), user=who)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            done["errors"].append(f"{time.monotonic() - started:.2f}s: {type(exc).__name__}: {exc}"[:300])
            base = None
            time.sleep(0.05)
            continue
        if result.applied:
            done["acks"].append({"asset": args.asset, "metric": metric, "evaluator": who, "version": result.version})
            base = (asset_id, result.version, seen + 1)
        else:
            done["conflicts"] += 1
            base = None
        time.sleep(args.pause)
    done["seconds"] = round(time.monotonic() - started, 2)
    return done


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, run one worker, print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    pipeline = commands.add_parser("ingest")
    pipeline.add_argument("folder")
    pipeline.add_argument("--writer", required=True)
    pipeline.add_argument("--reviewers", type=int, required=True)
    pipeline.add_argument("--filler", type=int, required=True)
    pipeline.add_argument("--seconds", type=float, required=True)
    pipeline.add_argument("--min-ingests", type=int, default=0)
    reviewer = commands.add_parser("review")
    reviewer.add_argument("asset")
    reviewer.add_argument("--reviewer", type=int, required=True)
    reviewer.add_argument("--pause", type=float, default=0.01, help="seconds between two submissions")
    args = parser.parse_args(argv)
    result = ingest(args) if args.command == "ingest" else review(args)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
