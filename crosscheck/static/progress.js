// Live progress of scan imports on the campaign page: poll each running batch.
(function () {
  "use strict";
  const LABELS = { queued: "В очереди", running: "Обрабатывается", done: "Готово", failed: "Ошибка" };
  function poll(row) {
    fetch(row.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (b) {
        const bar = row.querySelector("progress");
        bar.max = b.pages_total || 1;
        bar.value = b.pages_done;
        row.querySelector(".batch-pages").textContent = b.pages_done + " / " + b.pages_total;
        row.querySelector(".batch-status").textContent = LABELS[b.status] + (b.error ? ": " + b.error : "");
        row.dataset.status = b.status;
        if (b.status === "done" || b.status === "failed") { window.location.reload(); return; }
        setTimeout(function () { poll(row); }, 2000);
      })
      .catch(function () { setTimeout(function () { poll(row); }, 5000); });
  }
  document.querySelectorAll("tr[data-progress-url]").forEach(function (row) {
    if (row.dataset.status === "queued" || row.dataset.status === "running") poll(row);
  });
})();
