"""The REST API under /api/v1 (JSON), for pipelines and the Python client.

- `models`: request and response bodies (pydantic; the client uses them too);
- `http`: the blueprint, token sign-in, the one error shape, `init_api(server)`;
- `reads` / `writes`: the endpoints (thin: permission first, then portal services);
- `openapi`: the OpenAPI 3.1 description built from the models, and its docs page;
- `aind`: `POST /v1/add_qc_evaluation`, AIND's alternate workflow with a portal token
  (outside /api/v1 and its OpenAPI description; the same errors).

Errors always answer `{"error": <title>, "message": <sentence>}` (plus `version` and
`conflicts` on a 409), the same shape as the portal's other JSON routes.
"""
