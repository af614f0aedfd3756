"""The event service refuses a department that has no chain."""

import pytest

from muster.core.db import transaction
from muster.events import service as event_service
from muster.events.errors import ChainHeadMissing
from muster.events.schemas import Actor, Context


async def test_append_without_chain_raises(sessions):
    async with transaction(sessions) as session:
        with pytest.raises(ChainHeadMissing):
            await event_service.append(
                session, ctx=Context("nowhere", Actor(name="t")), kind="x.y", data={}
            )


async def test_verify_without_chain_raises(sessions):
    async with transaction(sessions) as session:
        with pytest.raises(ChainHeadMissing):
            await event_service.verify_chain(session, department_id="nowhere")


async def test_last_seq_without_chain_raises(sessions):
    async with sessions() as session:
        with pytest.raises(ChainHeadMissing):
            await event_service.last_seq(session, department_id="nowhere")
