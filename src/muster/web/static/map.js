// The live map (Leaflet): incidents, units coloured by status, stations, and
// the tracks units leave while the page is open. Markers are drawn as vector
// circles, so they show on a plain background when map tiles cannot load.
// It follows the stream through the "muster:event" events live.js sends.
(function () {
  "use strict";
  const el = document.getElementById("map");
  const source = document.getElementById("map-data");
  if (!el || !source || !window.L) return;
  const data = JSON.parse(source.textContent);
  const COMMITTED = ["dispatched", "en_route", "on_scene", "transporting", "at_hospital"];
  const map = L.map(el, { zoomControl: true, keyboard: true });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
  }
  const units = new Map();
  const tracks = new Map();
  const incidents = new Map();

  function unitStyle(status) {
    let colour = "#1d6b34";
    if (COMMITTED.includes(status)) colour = "#a4161a";
    else if (status === "out_of_service") colour = "#4a525c";
    else if (status === "returning") colour = "#0b4f8a";
    return { radius: 7, color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 1 };
  }

  function addStation(s) {
    L.circleMarker([s.lat, s.lon], {
      radius: 6, color: "#1a1d21", weight: 2, fillColor: "#ffffff", fillOpacity: 1,
    }).bindTooltip(s.code + " · " + s.name).addTo(map);
  }

  function addIncident(i) {
    if (incidents.has(i.id)) return;
    const marker = L.circleMarker([i.lat, i.lon], {
      radius: 10, color: "#1a1d21", weight: 2, fillColor: "#f0b400", fillOpacity: 1,
    }).bindTooltip(i.number + (i.address ? " · " + i.address : ""));
    marker.on("click", function () { window.location.assign("/incidents/" + i.id); });
    marker.addTo(map);
    incidents.set(i.id, marker);
  }

  function addUnit(u) {
    const marker = L.circleMarker([u.lat, u.lon], unitStyle(u.status))
      .bindTooltip(u.name + " · " + u.status.replace(/_/g, " "));
    marker.addTo(map);
    marker.unitName = u.name;
    units.set(u.id, marker);
  }

  function moveUnit(id, lat, lon) {
    const marker = units.get(id);
    if (!marker) return;
    const track = tracks.get(id) || L.polyline([marker.getLatLng()], {
      color: "#0b4f8a", weight: 3, opacity: 0.6, dashArray: "4 4",
    }).addTo(map);
    track.addLatLng([lat, lon]);
    tracks.set(id, track);
    marker.setLatLng([lat, lon]);
  }

  function restyleUnit(d) {
    const marker = units.get(d.unit_id);
    if (!marker) {
      if (d.lat !== null && d.lat !== undefined) addUnit({ id: d.unit_id, name: d.unit, status: d.to, lat: d.lat, lon: d.lon });
      return;
    }
    marker.setStyle(unitStyle(d.to));
    marker.setTooltipContent(marker.unitName + " · " + String(d.to).replace(/_/g, " "));
    if (d.lat !== null && d.lat !== undefined) moveUnit(d.unit_id, d.lat, d.lon);
  }

  function dropIncident(id) {
    const marker = incidents.get(id);
    if (marker) { marker.remove(); incidents.delete(id); }
  }

  function follow(event) {
    const d = event.data || {};
    if (event.kind === "units.moved") {
      (d.units || []).forEach(function (u) { moveUnit(u.unit_id, u.lat, u.lon); });
    } else if (event.kind === "unit.status_changed") {
      restyleUnit(d);
    } else if (event.kind === "incident.created" && d.location) {
      addIncident({ id: event.incident_id, number: d.number, lat: d.location.lat, lon: d.location.lon, address: d.location.address });
    } else if (event.kind === "incident.closed" || (event.kind === "incident.status_changed" && d.to === "cancelled")) {
      dropIncident(event.incident_id);
    }
  }

  data.stations.forEach(addStation);
  data.units.forEach(addUnit);
  data.incidents.forEach(addIncident);
  const points = [].concat(data.stations, data.units, data.incidents).map(function (p) { return [p.lat, p.lon]; });
  if (points.length) map.fitBounds(points, { padding: [24, 24], maxZoom: 15 });
  else map.setView([0, 0], 2);
  document.body.addEventListener("muster:event", function (e) { follow(e.detail); });
  window.musterMap = map;
})();
