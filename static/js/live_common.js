/* Shared by the live player page and the host screen: an EventSource with a polling fallback.
   The stream sends the current state on connect, then each change; EventSource reconnects by itself.
   Only if EventSource is missing or keeps failing does the page poll the state every 2 s. */
(function () {
  "use strict";
  window.QzLive = function (opts) {
    var drift = 0, failures = 0, es = null, polling = null;
    function net(text) { var el = document.getElementById("net"); if (!el) return; el.hidden = !text; el.textContent = text || ""; }
    function now() { return Date.now() + drift; }
    function handle(data, kind) {
      if (data.now) drift = data.now - Date.now();
      if (kind === "count") opts.onCount && opts.onCount(data.state);
      else { opts.onState(data.state, data); if (data.count && opts.onCount) opts.onCount(data.count); }
    }
    function poll() {
      return fetch(opts.stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (d) { handle(d, "state"); if (polling) net(""); if (d.player && opts.onPlayer) opts.onPlayer(d.player, d.state); })
        .catch(function () { net("Mất kết nối, đang thử lại…"); });
    }
    function startPolling() {
      if (polling) return;
      if (es) { es.close(); es = null; }
      polling = setInterval(poll, 2000);
      poll();
    }
    function connect() {
      if (!window.EventSource) { startPolling(); return; }
      es = new EventSource(opts.streamUrl);
      es.addEventListener("open", function () { failures = 0; net(""); poll(); });
      es.addEventListener("state", function (e) { handle(JSON.parse(e.data), "state"); });
      es.addEventListener("count", function (e) { handle(JSON.parse(e.data), "count"); });
      es.addEventListener("error", function () {
        failures += 1;
        net("Mất kết nối, đang kết nối lại…");
        if (failures >= 4) startPolling();
      });
    }
    connect();
    return { now: now, poll: poll };
  };
  window.QzLive.post = function (url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (d) { return { ok: r.ok, status: r.status, data: d }; });
    });
  };
  window.QzLive.show = function (ids, visible) {
    ids.forEach(function (id) { document.getElementById(id).hidden = id !== visible; });
  };
  window.QzLive.secondsLeft = function (state, now) {
    if (state.phase !== "question") return 0;
    if (state.paused) return Math.ceil((state.remaining_ms || 0) / 1000);
    return Math.max(0, Math.ceil((state.closes_at - now) / 1000));
  };
})();
