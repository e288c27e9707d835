// The ops dashboard refreshes itself: every few seconds it asks the server for its panels drawn anew (/ops/live)
// and swaps in those that changed, so a panel being read or clicked is left alone while its figures stay the same.
"use strict";
(function () {
  const live = document.getElementById("ops-live");
  const status = document.getElementById("ops-refresh");
  if (!live) return;
  const every = 1000 * Number(live.dataset.refreshSeconds || 2);
  const words = status.dataset;  // what the status line says, in the page's language, drawn by the server
  // From the origin, never from the page's address: one opened as http://ops:password@host/ops would lend its
  // credentials to the request, which fetch refuses. The browser sends the Basic credentials it holds by itself.
  const source = new URL(live.dataset.source, window.location.origin);

  function swapChanged(html) {
    const next = document.createElement("template");
    next.innerHTML = html;
    for (const panel of next.content.querySelectorAll("[data-panel]")) {
      const shown = document.getElementById(panel.id);
      if (shown && shown.innerHTML !== panel.innerHTML) shown.replaceWith(panel);
    }
  }

  async function refresh() {
    try {
      const response = await fetch(source, { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) {
        throw new Error(response.status === 401 ? words.refused
                                                : words.answered.replace("{status}", response.status));
      }
      swapChanged(await response.text());
      status.textContent = words.refreshing.replace("{seconds}", every / 1000);
      status.classList.remove("stale");
    } catch (problem) {
      const why = problem instanceof TypeError ? words.unreachable : problem.message;
      status.textContent = words.stale.replace("{why}", why).replace("{seconds}", every / 1000);
      status.classList.add("stale");
    } finally {
      window.setTimeout(refresh, every);
    }
  }

  window.setTimeout(refresh, every);
})();
