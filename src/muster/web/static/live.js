// Muster pages, live: follows the department stream (Server-Sent Events, signed
// in by the session cookie) from the event the page was rendered at, and tells
// the page. Every event is dispatched on <body> as "live:<noun>" ("live:unit"
// for unit.status_changed), so htmx parts can refresh with
// hx-trigger="live:unit from:body", and as "muster:event" for scripts.
// Elements with data-append-src grow: on an event of their incident they fetch
// "<src>?after=<data-after>" and append the HTML that comes back.
(function () {
  "use strict";
  const body = document.body;
  if (!body.dataset.liveSince || !window.EventSource) return;
  const state = document.getElementById("live-state");
  const incidentScope = body.dataset.liveIncident || "";
  let last = Number(body.dataset.liveSince);
  let source = null;
  let retry = 1000;

  function show(text, ok) {
    if (!state) return;
    state.hidden = false;
    state.textContent = text;
    state.classList.toggle("down", !ok);
  }

  function streamUrl() {
    const query = new URLSearchParams({ since: String(last) });
    if (incidentScope) query.set("incident_id", incidentScope);
    return "/api/v1/stream/sse?" + query.toString();
  }

  function connect() {
    source = new EventSource(streamUrl());
    source.onopen = function () {
      retry = 1000;
      show("Live", true);
    };
    source.onmessage = function (message) {
      const event = JSON.parse(message.data);
      if (event.seq !== null && event.seq !== undefined) last = event.seq;
      tell(event);
    };
    source.addEventListener("revoked", function () {
      source.close();
      window.location.assign("/login?next=" + encodeURIComponent(location.pathname));
    });
    source.onerror = function () {
      show("Reconnecting…", false);
      // The browser retries by itself (sending Last-Event-ID) unless the
      // server refused; then start again from the last event seen.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      }
    };
  }

  function tell(event) {
    const noun = event.kind.split(".")[0];
    body.dispatchEvent(new CustomEvent("muster:event", { detail: event }));
    body.dispatchEvent(new CustomEvent("live:" + noun, { detail: event }));
    if (event.incident_id) grow(event.incident_id);
  }

  const growing = new WeakMap();

  function grow(incidentId) {
    document.querySelectorAll("[data-append-src]").forEach(function (list) {
      if (list.dataset.incident !== incidentId || growing.get(list)) return;
      growing.set(list, true);
      fetch(list.dataset.appendSrc + "?after=" + list.dataset.after, {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (!html.trim()) return;
          list.insertAdjacentHTML("beforeend", html);
          const items = list.querySelectorAll("[data-seq]");
          if (items.length) list.dataset.after = items[items.length - 1].dataset.seq;
        })
        .finally(function () { growing.delete(list); });
    });
  }

  // Times in status, ages of calls: <time data-since="ISO"> counts up.
  function age(iso) {
    const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return seconds + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    const minutes = Math.floor((seconds % 3600) / 60);
    return Math.floor(seconds / 3600) + " h " + String(minutes).padStart(2, "0");
  }

  function tick() {
    document.querySelectorAll("time[data-since]").forEach(function (el) {
      el.textContent = age(el.dataset.since);
    });
  }

  // A refused change (htmx) shows the error page's message, not nothing.
  body.addEventListener("htmx:responseError", function (event) {
    const flash = document.getElementById("flash");
    if (!flash) return;
    const page = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
    const detail = page.querySelector("[data-problem-detail]");
    flash.textContent = detail ? detail.textContent : "The change was refused (" + event.detail.xhr.status + ").";
    flash.hidden = false;
  });
  body.addEventListener("htmx:afterRequest", function (event) {
    const flash = document.getElementById("flash");
    if (flash && event.detail.successful) flash.hidden = true;
  });

  setInterval(tick, 15000);
  connect();
})();
