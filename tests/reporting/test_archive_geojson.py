"""The GeoJSON layers of an archive, as a GIS tool would read them."""

import io
import json
import zipfile

from tests.factories.archive import AREA, export_bytes, make_full_department


def _layer(archive: bytes, name: str) -> dict:
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        collection = json.loads(source.read(name))
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
    return collection


async def test_layers_place_stations_incidents_units_and_tracks(client, sessions):
    full = await make_full_department(client, sessions)

    archive = await export_bytes(sessions, full.asker.department_id)

    (station,) = _layer(archive, "stations.geojson")["features"]
    assert station["geometry"] == {"type": "Point", "coordinates": [-122.42, 37.78]}
    assert station["properties"]["code"] == "ST7"
    (area,) = _layer(archive, "response-areas.geojson")["features"]
    assert area["geometry"]["coordinates"] == [[*AREA, AREA[0]]]
    (incident,) = _layer(archive, "incidents.geojson")["features"]
    assert incident["geometry"]["coordinates"] == [-122.4193, 37.7793]
    assert incident["properties"]["type"] == "FIRE"
    units = {
        f["properties"]["name"]: f for f in _layer(archive, "units.geojson")["features"]
    }
    assert set(units) == {"E1", "E2", "E3", "T1", "M1"}
    assert units["E1"]["geometry"]["coordinates"] == [-122.4193, 37.7793]
    (track,) = _layer(archive, "unit-tracks.geojson")["features"]
    assert track["geometry"] == {
        "type": "LineString",
        "coordinates": [
            [-122.4193, 37.78],
            [-122.4193, 37.7795],
            [-122.4193, 37.7793],
        ],
    }
    assert track["properties"]["unit_id"] == units["E1"]["properties"]["id"]
    assert track["properties"]["points"] == 3


async def test_manifest_lists_each_layer_with_its_feature_count(client, sessions):
    full = await make_full_department(client, sessions)

    archive = await export_bytes(sessions, full.asker.department_id)

    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        manifest = json.loads(source.read("manifest.json"))
    counts = {f["name"]: f["rows"] for f in manifest["files"]}
    assert counts["units.geojson"] == 5
    assert counts["unit-tracks.geojson"] == 1
    assert counts["units.jsonl"] == 5
