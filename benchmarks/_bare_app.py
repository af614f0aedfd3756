"""The bare baseline: one Starlette route doing one asyncpg INSERT per request.

Run as ``python benchmarks/_bare_app.py --port N`` with the PostgreSQL DSN in
``MUSTER_BENCH_DSN``. It creates its own ``bare_incidents`` table, serves
``POST /incidents`` and ``GET /healthz`` on 127.0.0.1 with one uvicorn worker
(uvloop and httptools), and has no authentication, no ORM and no events.
"""

import argparse
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DSN_VARIABLE = "MUSTER_BENCH_DSN"

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS bare_incidents (
    id varchar(36) PRIMARY KEY,
    number bigserial NOT NULL,
    type varchar(32) NOT NULL,
    status varchar(32) NOT NULL,
    priority integer NOT NULL,
    description text NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    address varchar(500),
    received_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
)
"""

INSERT = """
INSERT INTO bare_incidents
    (id, type, status, priority, description, lat, lon, address,
     received_at, created_at, updated_at)
VALUES ($1, $2, 'new', 3, $3, $4, $5, $6, $7, $7, $7)
RETURNING number
"""


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"status": status, "detail": detail}, status_code=status)


async def create_incident(request: Request) -> JSONResponse:
    try:
        body = json.loads(await request.body())
        location = body["location"]
        kind, description = str(body["type"]), str(body["description"])
        lat, lon = float(location["lat"]), float(location["lon"])
    except (ValueError, KeyError, TypeError):
        return _problem(422, "type, description and location.lat/lon are required")
    incident_id, now = str(uuid.uuid4()), datetime.now(UTC)
    pool: asyncpg.Pool = request.app.state.pool
    number = await pool.fetchval(
        INSERT, incident_id, kind, description, lat, lon, location.get("address"), now
    )
    return JSONResponse(
        {
            "id": incident_id,
            "number": f"{now.year}-{number:06d}",
            "type": kind,
            "status": "new",
            "priority": 3,
            "description": description,
            "location": {"lat": lat, "lon": lon, "address": location.get("address")},
            "received_at": now.isoformat(),
        },
        status_code=201,
    )


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(dsn: str, pool_size: int) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=pool_size)
        async with pool.acquire() as connection:
            await connection.execute(CREATE_TABLE)
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    return Starlette(
        routes=[
            Route("/incidents", create_incident, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool-size", type=int, default=20)
    args = parser.parse_args()
    app = create_app(os.environ[DSN_VARIABLE], args.pool_size)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        workers=1,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
