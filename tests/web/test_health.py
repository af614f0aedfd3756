"""Probes, the OpenAPI document and request ids."""


async def test_healthz_answers_ok(client):
    response = await client.get("/healthz")

    assert response.json() == {"status": "ok"}


async def test_readyz_reports_schema_head(client):
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"


async def test_openapi_lists_core_paths(client):
    paths = (await client.get("/openapi.json")).json()["paths"]

    for path in (
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}/timeline",
        "/api/v1/auth/token",
        "/api/v1/units/{unit_id}/status",
        "/api/v1/members",
    ):
        assert path in paths


async def test_request_id_is_echoed_or_made(client):
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})

    assert given.headers["x-request-id"] == "abc-123"
    assert made.headers["x-request-id"] not in ("", "bad id with spaces")
