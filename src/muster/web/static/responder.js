// The responder view: while my status is "responding", the browser's position
// goes to the positions API (POST /api/v1/locations) at most every 15 s.
// Registers the service worker that makes the view installable.
(function () {
  "use strict";
  const state = document.getElementById("share-state");
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js");
  if (!state) return;
  if (!navigator.geolocation) {
    state.textContent = "This browser cannot share its location.";
    return;
  }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const member = state.dataset.member;
  let watch = null;
  let lastSent = 0;

  function myStatus() {
    const el = document.getElementById("my-status");
    return el ? el.dataset.myStatus : "";
  }

  function send(position) {
    const now = Date.now();
    if (now - lastSent < 15000) return;
    lastSent = now;
    const item = {
      member_id: member,
      lat: position.coords.latitude,
      lon: position.coords.longitude,
      at: new Date(Math.min(position.timestamp, now)).toISOString(),
      accuracy_m: position.coords.accuracy,
    };
    fetch("/api/v1/locations", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ items: [item] }),
    }).then(function (response) {
      state.textContent = response.ok
        ? "Sharing your location; last sent " + new Date().toLocaleTimeString() + "."
        : "Your location could not be sent (" + response.status + ").";
    });
  }

  function follow() {
    const responding = myStatus() === "responding";
    if (responding && watch === null) {
      state.textContent = "Finding your location…";
      watch = navigator.geolocation.watchPosition(send, function (error) {
        state.textContent = "Location not shared: " + error.message;
      }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
    } else if (!responding && watch !== null) {
      navigator.geolocation.clearWatch(watch);
      watch = null;
      lastSent = 0;
      state.textContent = "Not sharing: you are not responding.";
    }
  }

  document.body.addEventListener("htmx:afterSettle", follow);
  follow();
})();
