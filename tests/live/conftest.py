"""Real servers on loopback for stream tests, and a Redis bus per test."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection

from muster.core.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"
WAIT_S = 15.0  # a safety net against hanging, not a measurement


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on a free loopback port; yield ``host:port``."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(WAIT_S):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def server(app: FastAPI) -> AsyncIterator[str]:
    async with serving(app) as address:
        yield address


@pytest.fixture
def redis_settings(settings: Settings) -> Settings:
    """The test settings with a Redis bus on a channel no other run uses."""
    return settings.model_copy(
        update={"bus_url": REDIS_URL, "bus_prefix": f"muster-test-{uuid.uuid4().hex}"}
    )


async def receive(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(WAIT_S):
        message = await ws.recv()
    decoded: dict[str, Any] = json.loads(message)
    return decoded


async def receive_until(
    ws: ClientConnection, kind: str, incident_id: str | None = None
) -> list[dict[str, Any]]:
    """Events up to and including the first of ``kind`` (for ``incident_id``)."""
    seen = []
    while True:
        event = await receive(ws)
        seen.append(event)
        if event["kind"] == kind and incident_id in (None, event["incident_id"]):
            return seen
