"""The OpenAPI 3.1 description of /api/v1, generated from the pydantic models, and its docs page.

The schemas are the models' own JSON schemas (`models_json_schema`: responses in
serialization mode, request bodies in validation mode), so the description cannot
drift from what the server validates and answers; tests/test_api_schema.py runs
schemathesis against it on a live server. The docs page (/api/v1/docs) is rendered
on the server from the same dict: no JavaScript, no CDN (the portal works offline).
"""

from __future__ import annotations

import functools
import json

from flask import Response, render_template_string, request
from pydantic.json_schema import models_json_schema

from portal.accounts.auth import require
from portal.api import analytics, events, lifecycle, ratings, reviews, timeline
from portal.api import models as m
from portal.api.http import PREFIX, api
from portal.store.protocol import SORTABLE, STATUS_GROUPS
from portal.views.filters_url import ASSET_STATUSES, CONTAINS_KEYS, LEVELS, METRIC_STATUSES

_OUT = (m.ErrorOut, m.AssetPageOut, m.AssetOut, m.QualityControlOut, m.MetricsOut, m.AnnotationOut, m.SummaryOut,
        m.UserOut, *events.OPENAPI_MODELS, *lifecycle.OPENAPI_MODELS, *reviews.OPENAPI_MODELS,
        *analytics.OPENAPI_MODELS, *timeline.OPENAPI_MODELS)
_IN = (m.MetricsIn, m.AnnotationIn, *lifecycle.OPENAPI_MODELS_IN, *reviews.OPENAPI_MODELS_IN,
       *ratings.OPENAPI_MODELS_IN)
_ERRORS = {
    "401": "No valid token or session (or login is required).",
    "403": ("The account's role may not do this (writes need annotator, pipeline or admin; a status entry under "
            "another evaluator needs pipeline or admin)."),
    "404": "No such asset.",
    "409": "The version is stale and changes conflict: `version` and `conflicts` say with what.",
    "413": "The request is too large.",
    "422": "The request is invalid: `message` says what.",
    "503": "The store did not answer.",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _param(name: str, schema: dict, description: str, *, where: str = "query", required: bool = False) -> dict:
    param = {"name": name, "in": where, "required": required, "description": description, "schema": schema}
    if schema.get("type") == "array":
        param.update(style="form", explode=True)
    return param


# Control characters are refused in filter values (no database stores them in text).
_TEXT = {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"}
_NAME = _param("name", {"type": "string", "minLength": 1}, "Asset name or id.", where="path", required=True)
_FILTERS = [
    _param("project", _array(_TEXT), "Project name (repeat for several)."),
    _param("modality", _array(_TEXT), "Modality abbreviation, e.g. ecephys."),
    _param("subject", _array(_TEXT), "Subject id."),
    _param("status", _array({"type": "string", "enum": list(ASSET_STATUSES)}), "Overall QC status."),
    _param("level", _array({"type": "string", "enum": list(LEVELS)}), "Data level."),
    _param("from", {"type": "string", "format": "date"}, "Acquired on or after (YYYY-MM-DD, UTC)."),
    _param("to", {"type": "string", "format": "date"}, "Acquired on or before (YYYY-MM-DD, UTC)."),
    _param("q", {**_TEXT, "maxLength": 200}, "Case-insensitive part of the asset name."),
    _param("source", _array(_TEXT), "Derived assets made from this raw asset."),
    _param("metric", _array(_TEXT), "Assets with a metric of this name..."),
    _param("metric_status", _array({"type": "string", "enum": list(METRIC_STATUSES)}), "...whose status is this."),
    _param("pending", {"type": "boolean"}, "Only assets with Pending metrics."),
    *(_param(key, _array({**_TEXT, "maxLength": 200}), f"Part of the {field} (any case); repeat for any of "
             f"several; OR-ed with `{field}` values.") for key, field in CONTAINS_KEYS.items()),
]
_PAGING = [
    _param("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "Rows per page."),
    _param("offset", {"type": "integer", "minimum": 0, "maximum": 10**9, "default": 0}, "Rows to skip."),
    _param("sort", {"type": "string", "enum": [f"{d}{f}" for f in SORTABLE for d in ("", "-")],
                    "default": "-acquired"}, "Sort column; a leading - sorts descending."),
]


def _operation(summary: str, description: str, ok: str, errors: tuple[str, ...], *, params=(), body=None,
               tag: str = "assets") -> dict:
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": _ref(ok)}}}}
    for code in ("401", *errors, "503"):
        responses[code] = {"description": _ERRORS[code], "content": {"application/json": {"schema": _ref("ErrorOut")}}}
    operation = {"summary": summary, "description": description, "tags": [tag], "parameters": list(params),
                 "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


_METRICS_BODY = {
    "application/json": {"schema": {"oneOf": [_ref("MetricsIn"), _array({"type": "object"})]}},
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["payload"],
            "properties": {
                "payload": {"type": "string", "description": "MetricsIn (or a list of metrics) as JSON text."},
                "files": _array({"type": "string", "format": "binary"}),
            },
        },
        "encoding": {"payload": {"contentType": "application/json"}},
    },
}


def _paths() -> dict:
    paths = {
        "/assets": {"get": _operation(
            "List assets", "The overview's filters as query parameters, paged and sorted.", "AssetPageOut",
            ("422",), params=[*_FILTERS, *_PAGING])},
        "/assets/{name}": {"get": _operation(
            "An asset's summary", "Summary and statuses: the shape of `qc-portal show --json`.", "AssetOut",
            ("404",), params=[_NAME])},
        "/assets/{name}/qc": {"get": _operation(
            "An asset's quality_control", "Normalised to aind-data-schema 2.x, with the version to send back.",
            "QualityControlOut", ("404", "422"),
            params=[_NAME, _param("download", {"type": "boolean"}, "Answer as a file download.")])},
        "/assets/{name}/qc/metrics": {"post": _operation(
            "Add or replace metrics",
            "2.x metrics or a 1.x QCEvaluation; a metric of a known name is replaced keeping its status history. "
            "Multipart requests carry reference files, stored with the asset under qc/uploads/.",
            "MetricsOut", ("403", "404", "413", "422"), params=[_NAME], body=_METRICS_BODY)},
        "/assets/{name}/annotations": {"post": _operation(
            "Annotate", "Statuses (appended with the token's account as evaluator), values, comments and notes, "
            "made on `version`.", "AnnotationOut", ("403", "404", "409", "422"), params=[_NAME],
            body={"application/json": {"schema": _ref("AnnotationIn")}})},
        "/summary": {"get": _operation(
            "Grouped counts", "Assets per status, per `by` group and per project x modality, with the filters.",
            "SummaryOut", ("422",),
            params=[*_FILTERS, _param("by", {"type": "string", "enum": list(STATUS_GROUPS), "default": "project"},
                                      "Group counts by this.")])},
        "/me": {"get": _operation("Who am I", "The account the token (or session) acts as.", "UserOut", (),
                                  tag="account")},
    }
    for more in (lifecycle.openapi_paths(_operation, _NAME, _ref), events.openapi_paths(_operation, _param),
                 reviews.openapi_paths(_operation, _ref, _param),
                 ratings.openapi_paths(_operation, _param, _NAME, _ref),
                 analytics.openapi_paths(_operation, _param, _NAME),
                 timeline.openapi_paths(_operation, _param, _NAME)):
        for path, methods in more.items():
            paths.setdefault(path, {}).update(methods)
    return paths


@functools.cache
def spec() -> dict:
    """The OpenAPI 3.1 description (built once per process)."""
    models = [(model, "serialization") for model in _OUT] + [(model, "validation") for model in _IN]
    _, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    return {
        "openapi": "3.1.0",
        "info": {"title": "QC Portal API", "version": "1",
                 "description": "Explore and annotate the quality_control metadata of data assets. Errors are "
                                "`{\"error\": <title>, \"message\": <sentence>}`."},
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}, {}],
        "paths": _paths(),
        "components": {"schemas": defs["$defs"],
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "A personal API token (qcp_...)."}}},
    }


@api.get("/openapi.json")
def openapi_json():
    """The OpenAPI description (readable by whoever may read the portal)."""
    require("view")
    body = dict(spec(), servers=[{"url": request.script_root + PREFIX}])
    return Response(json.dumps(body, indent=1), mimetype="application/json")


_DOCS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API · QC Portal</title>
<link rel="stylesheet" href="{{ root }}/assets/00-bootstrap.min.css"></head>
<body><main class="container my-4">
<h1 class="h3">{{ info.title }} <small class="text-muted">v{{ info.version }}</small></h1>
<p>{{ info.description }} Base URL <code>{{ base }}</code>; machine-readable:
<a href="{{ base }}/openapi.json">openapi.json</a>. Authenticate with
<code>Authorization: Bearer &lt;token&gt;</code> (tokens: <a href="{{ root }}/tokens">your tokens</a>).</p>
{% for path, methods in paths.items() %}{% for method, op in methods.items() %}
<section class="card mb-3 api-endpoint" id="{{ method }}-{{ path }}"><div class="card-body">
<h2 class="h5"><span class="badge bg-{{ 'success' if method == 'get' else 'primary' }}">{{ method|upper }}</span>
<code>{{ base }}{{ path }}</code> — {{ op.summary }}</h2>
<p class="mb-2">{{ op.description }}</p>
{% if op.parameters %}<table class="table table-sm small"><thead><tr><th>parameter</th><th>in</th><th>type</th>
<th>meaning</th></tr></thead><tbody>{% for p in op.parameters %}<tr><td><code>{{ p.name }}</code></td>
<td>{{ p["in"] }}</td><td>{{ type_of(p.schema) }}</td><td>{{ p.description }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if op.requestBody %}<p class="small mb-1">Body: {% for kind, c in op.requestBody.content.items() %}
<code>{{ kind }}</code> {{ type_of(c.schema) }}{% if not loop.last %}; {% endif %}{% endfor %}</p>{% endif %}
<p class="small mb-0">Answers: {% for code, r in op.responses.items() %}<code>{{ code }}</code>
{{ type_of(r.content["application/json"].schema) }}{% if not loop.last %}, {% endif %}{% endfor %}</p>
</div></section>{% endfor %}{% endfor %}
<h2 class="h4 mt-4">Schemas</h2>
{% for name, schema in schemas.items() %}<section class="mb-3" id="{{ name }}">
<h3 class="h6"><code>{{ name }}</code></h3>
<p class="small">{{ schema.description }}</p>{% if schema.properties %}<table class="table table-sm small"><tbody>
{% for field, f in schema.properties.items() %}<tr><td><code>{{ field }}</code>
{% if field in schema.get("required", []) %}*{% endif %}</td>
<td>{{ type_of(f) }}</td><td>{{ f.description }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
</section>{% endfor %}
</main></body></html>"""


def type_of(schema: dict) -> str:
    """A short human name of a JSON schema ("string", "list of AssetRowOut", "AssetOut or null")."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(type_of(s) for s in schema[key])
    if schema.get("type") == "array":
        return "list of " + type_of(schema.get("items", {}))
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type", "any")
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


@api.get("")
@api.get("/")
def index():
    """Where the API describes itself."""
    base = request.script_root + PREFIX
    return {"openapi": f"{base}/openapi.json", "docs": f"{base}/docs"}


@api.get("/docs")
def docs():
    """The API reference as a page (rendered from the OpenAPI description)."""
    require("view")
    description = spec()
    return render_template_string(_DOCS, info=description["info"], paths=description["paths"],
                                  schemas=description["components"]["schemas"], base=request.script_root + PREFIX,
                                  root=request.script_root, type_of=type_of)
