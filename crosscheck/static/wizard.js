// «Новая кампания» (issue 15): the page works without this file; it only adds
// - on the first step, the detail of the chosen source (file, campaign) shown alone;
// - on the second step, a live preview of each task's criteria, rendered by the server's own
//   renderer (POST /organiser/wizard/preview: escaped text, a tiny markdown subset), and the
//   tolerance field enabled only with two rechecks;
// - focus on the error list when the page shows one.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const errors = document.getElementById("wizard-errors");
    if (errors) errors.focus();

    const start = document.getElementById("wizard-start");
    if (start) {
      const details = start.querySelectorAll(".source-detail");
      const sync = function () {
        const chosen = start.querySelector("input[name=source]:checked");
        details.forEach(function (d) { d.hidden = !chosen || d.dataset.source !== chosen.value; });
      };
      start.querySelectorAll("input[name=source]").forEach(function (r) { r.addEventListener("change", sync); });
      sync();
    }

    const edit = document.getElementById("wizard-edit");
    if (!edit) return;
    const csrf = edit.querySelector("input[name=csrf_token]").value;
    const url = edit.dataset.preview;
    edit.querySelectorAll("textarea.criteria-input").forEach(function (area) {
      const target = document.getElementById(area.getAttribute("aria-describedby"));
      let timer = null;
      area.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          const body = new URLSearchParams({ text: area.value, csrf_token: csrf });
          fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
            .then(function (r) { return r.json(); })
            .then(function (data) {
              if (data.html === undefined) return;
              // the server's renderer escapes everything the organiser typed: only its own tags come back
              target.innerHTML = '<span class="sr-only">Как увидит эксперт: </span>' + data.html;
            })
            .catch(function () { /* the preview button still works */ });
        }, 300);
      });
    });
    const tolerance = document.getElementById("double_tolerance");
    const perPaper = edit.querySelectorAll("input[name=per_paper]");
    const syncTolerance = function () {
      const two = document.getElementById("per-paper-2");
      tolerance.disabled = !(two && two.checked);
    };
    perPaper.forEach(function (r) { r.addEventListener("change", syncTolerance); });
    if (tolerance) syncTolerance();
    edit.addEventListener("submit", function () { if (tolerance) tolerance.disabled = false; });
  });
})();
