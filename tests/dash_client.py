"""Calling Dash callbacks over HTTP the way the browser does (POST /_dash-update-component).

`DashClient(client)` reads /_dash-dependencies once; `call(output_part, values, changed)`
finds the callback whose output names `output_part`, sends every input and state with
the value given in `values` ("id.property" -> value; None otherwise; [] for pattern
inputs) and returns (status code, response JSON or None). Used by the HTTP tests and
by the benchmark (bench/overview_bench.py), so both measure the real endpoint.
"""

from __future__ import annotations

import json


def _split(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    result = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        result.append({"id": json.loads(component) if component.startswith("{") else component, "property": prop})
    return result


def _is_pattern(component_id: str) -> bool:
    return isinstance(component_id, str) and component_id.startswith("{")


class DashClient:
    """Posts callback requests through a Flask test client."""

    def __init__(self, client):
        self.client = client
        client.get("/")
        self.dependencies = client.get("/_dash-dependencies").get_json()

    def dependency(self, output_part: str, changed: list[str] | None = None) -> dict:
        """The callback whose output string contains `output_part`; when several do (outputs
        shared with allow_duplicate), the one whose inputs hold every `changed` property."""
        found = [d for d in self.dependencies if output_part in d["output"]]
        if len(found) > 1 and changed:
            found = [d for d in found
                     if set(changed) <= {f"{i['id']}.{i['property']}" for i in d["inputs"]}] or found
        if len(found) != 1:
            raise LookupError(f"{len(found)} callbacks output {output_part!r}")
        return found[0]

    def body(self, output_part: str, values: dict, changed: list[str]) -> bytes:
        """The JSON request body of one call."""
        dep = self.dependency(output_part, changed)

        def entries(items):
            out = []
            for item in items:
                key = f"{item['id']}.{item['property']}"
                if _is_pattern(item["id"]):
                    out.append(values.get(key, []))
                else:
                    out.append({"id": item["id"], "property": item["property"], "value": values.get(key)})
            return out

        outputs = _split(dep["output"])
        payload = {
            "output": dep["output"],
            "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": entries(dep["inputs"]),
            "state": entries(dep["state"]),
            "changedPropIds": changed,
        }
        return json.dumps(payload).encode()

    def post(self, body: bytes):
        """POST a prepared body; (status code, JSON or None)."""
        # A browser marks the portal's own requests (Sec-Fetch-Site); the CSRF rule needs it with a cookie.
        response = self.client.post("/_dash-update-component", data=body, content_type="application/json",
                                    headers={"Sec-Fetch-Site": "same-origin"})
        data = response.get_json(silent=True) if response.status_code == 200 else None
        return response.status_code, data

    def call(self, output_part: str, values: dict, changed: list[str]):
        """Call the callback outputting `output_part` with these input/state values."""
        return self.post(self.body(output_part, values, changed))


def output_value(data: dict, component_id: str, prop: str):
    """One output's value from a callback response."""
    return data["response"][component_id][prop]
