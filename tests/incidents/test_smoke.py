from tests.factories.api import make_incident, make_incident_type
from tests.factories.org import make_caller


async def test_create_incident_smoke(client, sessions):
    caller = await make_caller(sessions)
    await make_incident_type(client, caller)
    incident = await make_incident(client, caller)
    assert incident["number"].endswith("-000001")
