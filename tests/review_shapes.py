"""Asset-page review fixtures (fail reasons, bulk Pass): real-shaped documents whose metric
names repeat (per probe, and two metrics equal in everything, told apart by occurrence), with a
dropdown whose options set the status, an empty evaluator and a timestamp written with a space."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.real_shapes import SPACE_TIME, dropdown
from tests.records import metric, record

REASONS = ["Drift too high", "Noisy channel", "Saturated"]
DRIFT_A = "Drift [ecephys, Raw data, probe=ProbeA]"
DRIFT_B = "Drift [ecephys, Raw data, probe=ProbeB]"
NOISE_A = "Noise [ecephys, Raw data, probe=ProbeA]"
SPIKES_A = "Spikes [ecephys, Raw data, probe=ProbeA]"
YIELD_A = "Yield [ecephys, Raw data, probe=ProbeA]"
COORDS = "Sample coordinates [ecephys, Raw data]"  # and "... #2": equal in everything


def probes(name: str, project: str) -> dict:
    """Two probes with the same metric names; ProbeA holds 3 Pending metrics set by hand (Drift,
    Noise, Yield) and one Pending dropdown whose options set its status (Spikes)."""
    qc = record(name, project=project, metrics=[
        metric("Drift", "Pending", tags={"probe": "ProbeA"}, value=1.5, evaluator=""),
        metric("Noise", "Pending", tags={"probe": "ProbeA"}, value=0.2, timestamp=SPACE_TIME),
        metric("Spikes", "Pending", tags={"probe": "ProbeA"}, value=dropdown("")),
        metric("Yield", "Pending", tags={"probe": "ProbeA"}, value=31),
        metric("Drift", "Pending", tags={"probe": "ProbeB"}, value=2.5),
        metric("Noise", "Pass", tags={"probe": "ProbeB"}, value=0.1),
        metric("Sample coordinates", "Pending", value="AP 1.2"),
        metric("Sample coordinates", "Pending", value="AP 1.2"),
    ])
    qc["quality_control"]["default_grouping"] = [["probe"]]
    return qc


def set_reasons(portal, project: str, reasons: list[str] = REASONS) -> None:
    """Give `project` its fail reasons (as an admin's PUT .../reasons does)."""
    from portal.store.sql import reviews

    with portal.store.engine.begin() as connection:
        reviews.set_reasons(connection, project, reasons, user="root", now=datetime.now(UTC))


def needs_two_ratings(portal, project: str) -> None:
    """A review policy of two agreeing ratings per metric for `project`."""
    from portal.review.ratings import store_of
    from portal.store.sql.ratings import Policy

    store_of(portal).set_policy(project, Policy(ratings_required=2), by="root")


def history(store, name: str, key: str) -> list[dict]:
    """The status history of the metric `key` of asset `name`, as stored."""
    from portal.qc import load_qc
    from portal.qc.identity import MetricIndex

    qc = store.get(name).record["quality_control"]
    keys = MetricIndex(load_qc(qc).metrics).keys
    return qc["metrics"][keys.index(key)]["status_history"]
