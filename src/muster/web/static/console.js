// The call-entry form: the map places the call, and the possible duplicates
// (POST /api/v1/incidents/duplicates) show while the call is typed.
(function () {
  "use strict";
  const form = document.getElementById("call-form");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const lat = form.elements.lat;
  const lon = form.elements.lon;
  const type = form.elements.type;
  const seen = form.elements.duplicates_seen;
  const list = document.getElementById("duplicates");
  const save = document.getElementById("save-call");
  let pin = null;
  let timer = null;

  function place(latitude, longitude) {
    if (!window.musterMap) return;
    if (pin) pin.setLatLng([latitude, longitude]);
    else {
      pin = L.circleMarker([latitude, longitude], {
        radius: 11, color: "#f0b400", weight: 4, fillColor: "#1a1d21", fillOpacity: 0.8,
      }).bindTooltip("The call").addTo(window.musterMap);
    }
  }

  if (window.musterMap) {
    window.musterMap.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      place(e.latlng.lat, e.latlng.lng);
      check();
    });
  }

  function show(items) {
    list.replaceChildren();
    seen.value = items.length ? "1" : "";
    save.textContent = items.length ? "Save anyway" : "Save call";
    if (!items.length) return;
    const box = document.createElement("div");
    box.className = "warning";
    const title = document.createElement("p");
    title.innerHTML = "<strong>Possible duplicates</strong>: open incidents of this kind nearby.";
    const ul = document.createElement("ul");
    items.forEach(function (d) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "/incidents/" + encodeURIComponent(d.id);
      a.textContent = d.number;
      li.append(a, ", " + Math.round(d.distance_m) + " m away, received " +
        new Date(d.received_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
      ul.append(li);
    });
    box.append(title, ul);
    list.append(box);
  }

  function check() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      const la = Number(lat.value), lo = Number(lon.value);
      if (!type.value || lat.value === "" || lon.value === "" || !isFinite(la) || !isFinite(lo)) return;
      place(la, lo);
      fetch("/api/v1/incidents/duplicates", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ type: type.value, location: { lat: la, lon: lo } }),
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) { if (body) show(body.items); });
    }, 250);
  }

  [lat, lon].forEach(function (input) { input.addEventListener("input", check); });
  type.addEventListener("change", check);
  if (lat.value && lon.value) place(Number(lat.value), Number(lon.value));
})();
