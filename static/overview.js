// Keeps the regulator overview current without a reload: every 15 s it asks overview.json (with the
// page's own filters) and rewrites the cells marked data-field. A new or vanished coin reloads the page.
(function () {
  "use strict";
  var table = document.getElementById("overview");
  var state = document.getElementById("refresh-state");
  if (!table || !window.fetch) return;
  var url = table.getAttribute("data-json") + window.location.search;
  var SEVERITIES = ["critical", "high", "medium", "low"];

  function setText(row, field, text) {
    var el = row.querySelector('[data-field="' + field + '"]');
    if (el && el.textContent !== text) el.textContent = text;
    return el;
  }

  function setBadge(row, field, cls, text) {
    var el = setText(row, field, text);
    if (el) el.className = "badge " + cls;
  }

  function update(data) {
    var rows = table.querySelectorAll("tbody tr[data-symbol]");
    if (rows.length !== data.coins.length) { window.location.reload(); return; }
    data.coins.forEach(function (coin, i) {
      var row = rows[i];
      if (row.getAttribute("data-symbol") !== coin.symbol) { window.location.reload(); return; }
      row.setAttribute("data-verdict", coin.status);  // the verdict of the coin's current publication
      setBadge(row, "status", coin.status, coin.display.status_label || coin.status_label);
      setText(row, "status_reason", coin.display.status_reason);
      setText(row, "attestation_review", coin.display.attestation_review);
      setText(row, "backing_ratio", coin.display.backing_ratio);
      var headroom = setText(row, "headroom", coin.display.headroom);
      if (headroom) headroom.classList.toggle("negative", (coin.headroom || "").charAt(0) === "-");
      setText(row, "outstanding", coin.display.outstanding);
      setText(row, "reserves", coin.display.reserves);
      setText(row, "attestation_age", coin.display.attestation_age);
      setBadge(row, "freshness", coin.freshness, coin.display.freshness);
      setText(row, "freshness_age", coin.display.freshness_age);
      var badges = row.querySelector('[data-field="flags"]');
      var counts = SEVERITIES.filter(function (s) { return coin.open_flags[s]; })
        .map(function (s) { return coin.open_flags[s] + " " + s; }).join(" ");
      if (badges && badges.getAttribute("data-counts") !== null && badges.getAttribute("data-counts") !== counts) {
        window.location.reload(); return;  // findings changed: the per-finding lines need the server's markup
      }
      if (badges) badges.setAttribute("data-counts", counts);
    });
    state.textContent = "Updated " + new Date(data.generated_at).toLocaleTimeString() + ".";
  }

  function refresh() {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(update)
      .catch(function () { state.textContent = "Could not refresh; retrying."; });
  }

  function poll() {
    refresh().finally(function () {
      if (!document.hidden) window.setTimeout(poll, 15000);
      else document.addEventListener("visibilitychange", resume);
    });
  }

  window.attestOverviewRefresh = refresh;  // one refresh now (the browser test uses it instead of waiting 15 s)

  function resume() {
    if (document.hidden) return;
    document.removeEventListener("visibilitychange", resume);
    poll();
  }

  poll();
})();
