"""The portal's pages measured through the running app: HTTP against gunicorn on 127.0.0.1.

Each figure is the wall time of one request from a `requests.Session` (keep-alive) to its
last byte, median and p99 (`*_ms`, `*_p99_ms`) after one warm-up, and the workers' mean
CPU time per request (`*_cpu_ms`); the payloads are the ones the browser sends (the
shapes of bench/overview_bench.py and bench/detail_bench.py):

- `overview_ms`: the overview callback for the unfiltered page (counts, charts);
  `overview_filtered_ms` with two projects x Fail/Pending; `overview_page_ms`: the page
  callback for `/` (what a first load adds: the filter bar's options, then the same);
- `grid_page_ms` / `grid_deep_page_ms`: a 100-row block under those filters sorted by
  pending metrics, first and last block; `grid_unfiltered_deep_ms`: the last block of
  everything, newest first;
- `project_page_ms`: the project page of the largest project;
- the overview, grid, project and detail figures are each measured twice: `<name>_ms` with a real
  annotation committed (untimed, from this process) before every request, so the result the
  workers keep while nothing changes (portal.views.remembered) is a miss: the cost of
  computing it, comparable with the runs before 2026-12-03; and `<name>_kept_ms`, the
  same request repeated with nothing written between;
- `detail_ms`: the asset page of the 500-metric asset, signed in as an annotator;
- `submit_ms`: one status change through the asset page's Submit (applied and saved), the
  reviewer's next one: the worker starts from the document it wrote (portal.review.loaded);
  `submit_miss_ms`: the same after another reviewer changed another metric of the asset
  (untimed, from this process), so the worker loads the stored document whole;
- `summary_ms`: `GET /api/v1/summary` (the REST API), when the portal has it;
- `readyz_ms`: the load balancer's probe;
- the floors every figure is divided by (bench/floors.py): `static_floor_ms`, a GET of a
  small static file (the request overhead: the socket, gunicorn, Flask's routing and
  before/after-request hooks, no Dash), and `dash_floor_ms`, the cheapest callback call the
  app has (the grid's rows callback sent no request: Dash's dispatch, the callback's
  PreventUpdate, 204 No Content; no store read), so what Dash's dispatch adds to a request is
  `dash_floor_ms - static_floor_ms`. (Until 2026-12-03 it was the column chooser's callback,
  now run in the browser.)
"""

from __future__ import annotations

import statistics
import time
from urllib.parse import quote

from bench.data import BENCH_PROJECT, first_metric_key
from components import ids
from portal.store.protocol import AssetQuery
from portal.views.filters_url import parse_query, to_search
from portal.views.grid import apply_filter_model, filter_model, page_request
from tests.dash_client import DashClient
from tests.gunicorn_proc import HttpClient, find_props

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
STATIC_FLOOR = "/assets/context.css"  # the app's smallest stylesheet (~0.7 KB), served by Dash's assets route
BY_PENDING = [{"colId": "pending", "sort": "desc"}]


def stats(samples: list[float]) -> tuple[float, float]:
    """(median, p99) of millisecond samples, rounded."""
    samples = sorted(samples)
    return round(statistics.median(samples), 2), round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2)


def _checked(dash: DashClient, name: str, body: bytes) -> dict:
    status, data = dash.post(body)
    if status != 200 or not data:
        raise RuntimeError(f"{name}: the callback answered {status}")
    return data


def projects(store) -> list[str]:
    """The demo data's projects (not the benchmark's own), by name."""
    return [name for name in store.facets()["project"] if name != BENCH_PROJECT]


def filtered_query(store) -> AssetQuery:
    """The bench's filtered overview and grid: two projects x Fail/Pending."""
    return AssetQuery(project=tuple(projects(store)[:2]), status=("Fail", "Pending"))


def largest_project(store) -> str:
    """The demo project with the most assets (the project page's figure and floor)."""
    sizes: dict = {}
    for group in store.status_counts(AssetQuery(), "project"):
        sizes[group.key] = sizes.get(group.key, 0) + group.n
    return max((name for name in sizes if name and name != BENCH_PROJECT), key=sizes.get)


def grid_block(store):
    """A call doing what the grid callback asks of the store for the filtered first block
    (callbacks/grid.py's steps, in this process): the SQL the grid floor replays. The filter's
    projects are read here, before: that read is not the block's."""
    query = filtered_query(store)
    request = grid_request(query, 0, BY_PENDING)
    parsed = parse_query(to_search(query))
    block = apply_filter_model(parsed.query, request["filterModel"])
    return lambda: page_request(store, block, request, grouped=parsed.grouped)


def grid_request(query: AssetQuery, start: int, sort: list) -> dict:
    """The grid's getRowsRequest for a 100-row block at `start` under `query`, sorted by `sort`."""
    return {"startRow": start, "endRow": start + 100, "sortModel": sort, "filterModel": filter_model(query)}


def overview_bodies(dash: DashClient, store) -> dict[str, bytes]:
    """The overview's and the grid's callback bodies, as the browser sends them."""
    search = f"{ids.OVERVIEW_URL}.search"
    filtered = filtered_query(store)
    total = store.list_assets(AssetQuery(), limit=1).total
    filtered_total = store.list_assets(filtered, limit=1).total

    def overview(query: AssetQuery) -> bytes:
        return dash.body(search, {search: to_search(query)}, [search])

    def rows(query: AssetQuery, start: int, sort: list) -> bytes:
        values = {f"{ids.OVERVIEW_GRID}.getRowsRequest": grid_request(query, start, sort), search: to_search(query)}
        return dash.body(f"{ids.OVERVIEW_GRID}.getRowsResponse", values, [f"{ids.OVERVIEW_GRID}.getRowsRequest"])

    return {
        "overview": overview(AssetQuery()),
        "overview_filtered": overview(filtered),
        "grid_page": rows(filtered, 0, BY_PENDING),
        "grid_deep_page": rows(filtered, max(0, filtered_total - 100), BY_PENDING),
        "grid_unfiltered_deep": rows(AssetQuery(), max(0, total - 100), []),
    }


def page_body(dash: DashClient, path: str) -> bytes:
    """The pages callback for `path` (what the browser posts on navigation)."""
    return dash.body("_pages_content.children", {"_pages_location.pathname": path, "_pages_location.search": ""},
                     ["_pages_location.pathname"])


def sign_in(client: HttpClient, name: str, password: str) -> None:
    """POST the login form as the portal's page does."""
    response = client.post("/login", data={"username": name, "password": password}, headers=SAME_ORIGIN,
                           allow_redirects=False)
    if response.status_code != 302:
        raise RuntimeError(f"sign-in answered {response.status_code}")


class Recorder:
    """Times a figure into `result`: `<name>_ms` and `<name>_p99_ms` (wall time of the
    request) and, given `cpu` (the server's CPU seconds so far), `<name>_cpu_ms`: the
    server's CPU time per request, which other work on the machine barely changes."""

    def __init__(self, result: dict, cpu=None):
        self.result, self.cpu = result, cpu

    def __call__(self, name: str, fn, repeat: int, between=None) -> None:
        """Time `repeat` calls of `fn` after one warm-up (`between`: called before each, untimed,
        in this process: the workers' CPU figure does not include it)."""
        fn()
        before = self.cpu() if self.cpu else 0.0
        samples = []
        for _ in range(repeat):
            if between is not None:
                between()
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
        self.result[f"{name}_ms"], self.result[f"{name}_p99_ms"] = stats(samples)
        if self.cpu:
            self.result[f"{name}_cpu_ms"] = round((self.cpu() - before) * 1000 / repeat, 2)


def measure(base: str, store, repeat: int, detail_asset: str, user: tuple[str, str], cpu=None) -> dict:
    """Every figure of the module docstring against the server at `base` (`cpu`: see Recorder)."""
    anonymous = HttpClient(base)
    dash = DashClient(anonymous)
    result: dict = {}
    record = Recorder(result, cpu)
    _floors(anonymous, dash, record, repeat)
    write = writer(store)
    for name, body in overview_bodies(dash, store).items():
        data = _checked(dash, name, body)
        if name.startswith("grid"):
            answer = data["response"][ids.OVERVIEW_GRID]["getRowsResponse"]
            if len(answer["rowData"]) != min(100, answer["rowCount"]):
                raise RuntimeError(f"{name}: {len(answer['rowData'])} rows of {answer['rowCount']}")
        _kept_and_not(record, name, lambda b=body: dash.post(b), repeat, write)

    home = page_body(dash, "/")
    _checked(dash, "overview_page", home)
    _kept_and_not(record, "overview_page", lambda: dash.post(home), repeat, write)
    project = page_body(dash, f"/project/{quote(largest_project(store))}")
    _checked(dash, "project_page", project)
    _kept_and_not(record, "project_page", lambda: dash.post(project), max(5, repeat // 3), write)

    reviewer = HttpClient(base)
    sign_in(reviewer, *user)
    review = DashClient(reviewer)
    page = page_body(review, f"/asset/{detail_asset}")
    asset = find_props(_checked(review, "detail", page), ids.DETAIL_ASSET)["data"]
    if asset is None:
        raise RuntimeError("detail: the page has no asset")
    _kept_and_not(record, "detail", lambda: review.post(page), repeat, write)
    submit = _submitter(review, asset)
    record("submit", submit, repeat)
    record("submit_miss", submit, repeat, between=writer(store, detail_asset, "metric 001", "bench-other"))

    summary = anonymous.get("/api/v1/summary")
    if summary.status_code == 200 and "total" in (summary.get_json(silent=True) or {}):
        record("summary", lambda: anonymous.get("/api/v1/summary"), repeat)
    else:
        result["summary_ms"] = None
        result["summary_note"] = f"not available: GET /api/v1/summary answered {summary.status_code}"
    record("readyz", lambda: anonymous.get("/readyz"), repeat)
    return result


def _floors(client: HttpClient, dash: DashClient, record: Recorder, repeat: int) -> None:
    """`static_floor_ms` and `dash_floor_ms` on the session the overview and grid figures use."""
    static = client.get(STATIC_FLOOR)
    if static.status_code != 200:
        raise RuntimeError(f"static floor: GET {STATIC_FLOOR} answered {static.status_code}")
    record("static_floor", lambda: client.get(STATIC_FLOOR), repeat)
    request = f"{ids.OVERVIEW_GRID}.getRowsRequest"
    body = dash.body(f"{ids.OVERVIEW_GRID}.getRowsResponse", {request: None}, [request])
    status, _ = dash.post(body)
    if status != 204:
        raise RuntimeError(f"dash floor: the grid's callback answered {status} to no request (expected 204)")
    record("dash_floor", lambda: dash.post(body), repeat)


def _kept_and_not(record: Recorder, name: str, fn, repeat: int, write) -> None:
    """`<name>_ms`: a write commits before each request (untimed, from this process), so what the
    worker keeps (portal.views.remembered) is a miss and the figure is the cost of computing it;
    `<name>_kept_ms`: the same request again with nothing written between (the kept result)."""
    record(name, fn, repeat, between=write)
    record(f"{name}_kept", fn, repeat)


def writer(store, name: str = "bench_200_metrics", metric: str = "metric 007", who: str = "bench-writer"):
    """A call that commits one real annotation (`metric` of `name` flipped Pass <-> Fail) from this
    process, as another reviewer: every worker's kept results are then stale, and the worker's last
    written document of `name` is not the stored one (portal.review.loaded)."""
    from portal.store.protocol import Actor, Annotation, MetricEdit

    state = {"status": "Pass"}

    def write() -> None:
        state["status"] = "Fail" if state["status"] == "Pass" else "Pass"
        stored = store.get(name)
        edit = MetricEdit(metric=metric, status=state["status"])
        result = store.annotate(Annotation(name, stored.version, (edit,)), user=Actor(who, who))
        if not result.applied:
            raise RuntimeError(f"{who}'s annotation of {name} was not applied: {result}")

    return write


def _submitter(review: DashClient, asset: dict):
    """A call that flips one metric's status Pass <-> Fail through Submit (applied and saved)."""
    seen = {"n": 1, "status": None}
    key = first_metric_key()

    def submit() -> None:
        status = "Fail" if seen["status"] != "Fail" else "Pass"
        edit = {"status": status, "seen_history": seen["n"], "seen_status": seen["status"] or "Pass",
                "version": asset["version"]}
        values = {f"{ids.DETAIL_SUBMIT}.n_clicks": 1, f"{ids.DETAIL_ASSET}.data": asset,
                  f"{ids.DETAIL_REFRESH}.data": 0,
                  f"{ids.DETAIL_EDITS}.data": {asset["id"]: {"metrics": {key: {**edit, "key": key,
                                                                                "name": "metric 000"}}}}}
        code, data = review.call(f"{ids.DETAIL_ASSET}.data", values, [f"{ids.DETAIL_SUBMIT}.n_clicks"])
        saved = (data or {}).get("response", {}).get(ids.DETAIL_ASSET)
        if code != 200 or not saved:
            raise RuntimeError(f"submit: answered {code} without saving: {str(data)[:300]}")
        asset["version"] = saved["data"]["version"]
        seen.update(n=seen["n"] + 1, status=status)

    return submit
