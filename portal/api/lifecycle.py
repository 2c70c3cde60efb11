"""`PUT /api/v1/assets/{name}`: pipelines that make assets create them from a data description.

Annotators (and pipeline accounts, admins) may create: the role is checked before the view
runs (write_route). The data description is validated with aind-data-schema's
`DataDescription` (422 naming the field); its `name`, when given, must be the URL's. A
`location` is an `s3://` (or other URL) location or an absolute folder under the asset
roots, as ingest requires. The store writes the asset, its audit row and its
`asset_created` event in one transaction (portal.store.sql.lifecycle); an asset of that
name gets the new data description (and location) and keeps its quality_control.
"""

from __future__ import annotations

from urllib.parse import quote

from aind_data_schema.core.data_description import DataDescription
from flask import request
from flask_login import current_user
from pydantic import ValidationError

from portal.api.http import api, invalid, json_response
from portal.api.models import AssetIn, AssetLifecycleOut
from portal.api.writes import json_body
from portal.context import current_portal
from portal.errors import InvalidInput
from portal.references.resolve import local_folder
from portal.references.roots import AssetRoots
from portal.security.writes import write_route
from portal.store.sql.lifecycle import check_name


def asset_record(name: str, body: AssetIn, roots: AssetRoots) -> dict:
    """The record to store for `body`: InvalidInput for a data description the schema refuses,
    a name other than the URL's, or a location that may not be used."""
    description = dict(body.data_description)
    if description.setdefault("name", name) != name:
        raise InvalidInput(f"data_description.name is {description['name']!r}, but the URL names {name!r}")
    try:
        model = DataDescription.model_validate(description)
    except ValidationError as exc:
        raise invalid(exc) from None
    record = {"name": name, "data_description": model.model_dump(mode="json")}
    if body.location is not None:
        location = body.location.strip()
        if not location or ("://" not in location and local_folder(location) is None):
            raise InvalidInput("location is an s3:// URL or an absolute folder")
        refusal = roots.refusal(location)
        if refusal is not None:
            raise InvalidInput(refusal)
        record["location"] = location
    return record


@api.put("/assets/<name>")
@write_route("annotate")
def put_asset(name: str):
    """Create the asset `name` from a data description (201), or replace the data description of
    the asset of that name (200; "unchanged" when it is the same)."""
    name = check_name(name)
    try:
        body = AssetIn.model_validate(json_body())
    except ValidationError as exc:
        raise invalid(exc) from None
    portal = current_portal()
    record = asset_record(name, body, AssetRoots.from_settings(portal.settings, portal.users.engine))
    result = portal.store.create_asset(name, record, user=current_user.name)
    out = AssetLifecycleOut(id=result.id, name=result.name, action=result.action, version=result.version)
    return json_response(out, status=201 if result.action == "created" else 200,
                         headers={"Location": f"{request.script_root}/api/v1/assets/{quote(result.name, safe='')}"})


OPENAPI_MODELS_IN = (AssetIn,)
OPENAPI_MODELS = (AssetLifecycleOut,)


def openapi_paths(operation, name_param, ref) -> dict:
    """The OpenAPI description of this module's endpoint (portal.api.openapi's helpers passed in)."""
    op = operation("Create an asset", "From a data description (aind-data-schema DataDescription); an existing "
                   "asset of that name gets the new data description and keeps its QC. 201 when created.",
                   "AssetLifecycleOut", ("403", "409", "422"), params=[name_param],
                   body={"application/json": {"schema": ref("AssetIn")}})
    op["responses"]["409"]["description"] = "The name is a deleted asset's, or an old name of a renamed one."
    op["responses"]["201"] = {"description": "Created", "content": {"application/json": {
        "schema": ref("AssetLifecycleOut")}}}
    return {"/assets/{name}": {"put": op}}
