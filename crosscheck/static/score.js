// Scoring screen: keyboard-first entry, autosave through the JSON API (SPEC §6), a local
// copy of unsaved changes so a reload or a lost connection never loses a keystroke.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("assignment-data").textContent);
  const root = document.querySelector(".score-layout");
  const csrf = root.dataset.csrf;
  const api = "/api/v1/assignments/" + data.id;
  const draftKey = "crosscheck:draft:" + data.id;
  const inputs = Array.from(document.querySelectorAll("input.score"));
  const comment = document.getElementById("comment");
  const stateEl = document.getElementById("save-state");
  let version = data.version;
  let locked = data.status === "submitted";
  let saving = null;       // the save in flight (a Promise), if any
  let changedSince = 0;    // edits made since the last save started
  let timer = null;
  let retryTimer = null;

  function setState(text, kind) {
    stateEl.textContent = text;
    stateEl.className = "save-state" + (kind ? " " + kind : "");
  }

  function collect() {
    const scores = {};
    inputs.forEach(function (i) { if (i.value !== "" && valid(i)) scores[i.name] = parseInt(i.value, 10); });
    return { scores: scores, comment: comment ? comment.value : "" };
  }

  function valid(input) {
    return input.value === "" || (/^\d+$/.test(input.value) && parseInt(input.value, 10) <= parseInt(input.dataset.max, 10));
  }

  function updateTotal() {
    let total = 0, filled = 0;
    inputs.forEach(function (i) {
      i.classList.toggle("invalid", !valid(i));
      if (i.value !== "" && valid(i)) { total += parseInt(i.value, 10); filled += 1; }
    });
    document.getElementById("total").textContent = total;
    document.getElementById("filled").textContent = filled;
    return { total: total, filled: filled };
  }

  function stash() {
    try { localStorage.setItem(draftKey, JSON.stringify(Object.assign({ base: version }, collect()))); } catch (e) { /* private mode */ }
  }

  function restoreLocalDraft() {
    let draft = null;
    try { draft = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { draft = null; }
    if (!draft || locked) return;
    if (draft.base !== version) { localStorage.removeItem(draftKey); return; }  // the server moved on
    inputs.forEach(function (i) { if (draft.scores[i.name] !== undefined) i.value = String(draft.scores[i.name]); });
    if (comment && typeof draft.comment === "string") comment.value = draft.comment;
    changed(0);
  }

  function changed(delay) {
    if (locked) return;
    changedSince += 1;
    updateTotal();
    stash();
    setState("Есть несохранённые изменения…", "pending");
    clearTimeout(timer);
    timer = setTimeout(save, delay === undefined ? 400 : delay);
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function save() {
    if (locked) return Promise.resolve(true);
    if (saving) return saving.then(function () { return changedSince ? save() : true; });
    if (!changedSince) return Promise.resolve(true);
    const sentAt = changedSince;
    setState("Сохранение…", "pending");
    saving = request("PUT", api + "/scores", Object.assign({ version: version }, collect()))
      .then(function (res) {
        return res.json().then(function (body) {
          if (res.ok) {
            version = body.version;
            if (changedSince === sentAt) {
              changedSince = 0;
              try { localStorage.removeItem(draftKey); } catch (e) { /* ignore */ }
              setState("Сохранено", "saved");
            } else {
              stash();
              timer = setTimeout(save, 50);
            }
            return true;
          }
          if (res.status === 502 || res.status === 503 || res.status === 504) {
            throw new Error("retryable");  // the server is restarting: keep the draft, try again
          }
          if (res.status === 409) {
            lock("Баллы этой работы изменены в другой вкладке или уже сданы. Обновите страницу.", "error");
            return false;
          }
          setState(body.error || "Ошибка сохранения", "error");
          return false;
        });
      })
      .catch(function () {
        setState("Нет связи с сервером — изменения сохранены на этом компьютере и будут отправлены автоматически", "offline");
        clearTimeout(retryTimer);
        retryTimer = setTimeout(save, 5000);
        return false;
      })
      .finally(function () { saving = null; });
    return saving;
  }

  function lock(message, kind) {
    locked = true;
    inputs.forEach(function (i) { i.disabled = true; });
    if (comment) comment.disabled = true;
    document.getElementById("submit-btn").disabled = true;
    document.getElementById("problem-btn").disabled = true;
    setState(message, kind);
  }

  function focusInput(index) {
    const target = inputs[Math.max(0, Math.min(inputs.length - 1, index))];
    if (target) { target.focus(); target.select(); }
  }

  inputs.forEach(function (input, index) {
    input.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey && ev.key === "Enter") return;  // handled globally
      if (/^[0-9]$/.test(ev.key) && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
        ev.preventDefault();
        const max = parseInt(input.dataset.max, 10);
        const candidate = max >= 10 && input.value.length === 1 && input.selectionStart === 1 ? input.value + ev.key : ev.key;
        if (parseInt(candidate, 10) > max) {
          input.classList.add("invalid");
          setState("Балл за задание " + input.name + " — от 0 до " + max, "error");
          return;
        }
        input.value = candidate;
        changed();
        if (String(max).length === candidate.length || parseInt(candidate + "0", 10) > max) focusInput(index + 1);
        return;
      }
      if (ev.key === "Enter") { ev.preventDefault(); focusInput(index + 1); return; }
      if (ev.key === "Backspace" || ev.key === "Delete") {
        ev.preventDefault();
        input.value = "";
        changed();
        return;
      }
      if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey) ev.preventDefault();  // letters never land in a score
    });
    input.addEventListener("focus", function () {
      input.select();
      const row = input.closest("tr.task");
      document.querySelectorAll("tr.task.current").forEach(function (r) { r.classList.remove("current"); });
      if (row) row.classList.add("current");
    });
    input.addEventListener("input", function () { changed(); });
  });
  if (comment) comment.addEventListener("input", function () { changed(800); });

  // --- submit and problem ------------------------------------------------------------
  const confirmDialog = document.getElementById("confirm-dialog");
  function openConfirm() {
    if (locked) return;
    const t = updateTotal();
    if (t.filled < inputs.length) {
      const missing = inputs.filter(function (i) { return i.value === "" || !valid(i); }).map(function (i) { return i.name; });
      setState("Не выставлены баллы за задания: " + missing.join(", "), "error");
      focusInput(inputs.indexOf(inputs.find(function (i) { return i.value === "" || !valid(i); })));
      return;
    }
    if (comment && !comment.value.trim()) { setState("Напишите обоснование итоговых баллов", "error"); comment.focus(); return; }
    document.getElementById("confirm-total").textContent = t.total;
    confirmDialog.showModal();
    document.getElementById("confirm-yes").focus();
  }
  document.getElementById("submit-btn").addEventListener("click", openConfirm);
  document.getElementById("confirm-no").addEventListener("click", function () { confirmDialog.close(); });
  document.getElementById("confirm-yes").addEventListener("click", function () {
    confirmDialog.close();
    save().then(function (ok) {
      if (!ok) return;
      return request("POST", api + "/submit").then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) { setState(body.error || "Не удалось сдать работу", "error"); return; }
          try { localStorage.removeItem(draftKey); } catch (e) { /* ignore */ }
          lock("Работа сдана", "saved");
          const next = parseInt(root.dataset.remaining, 10) > 0 ? root.dataset.nextUrl : root.dataset.homeUrl;
          setTimeout(function () { window.location.assign(next); }, 700);
        });
      }).catch(function () { setState("Нет связи с сервером — работа не сдана, повторите", "offline"); });
    });
  });

  const problemDialog = document.getElementById("problem-dialog");
  document.getElementById("problem-btn").addEventListener("click", function () { problemDialog.showModal(); });
  document.getElementById("problem-cancel").addEventListener("click", function () { problemDialog.close(); });
  document.getElementById("problem-send").addEventListener("click", function () {
    request("POST", api + "/problem", {
      kind: document.getElementById("problem-kind").value, note: document.getElementById("problem-note").value,
    }).then(function (res) {
      problemDialog.close();
      setState(res.ok ? "Сообщение о проблеме отправлено организатору" : "Не удалось отправить сообщение", res.ok ? "saved" : "error");
    }).catch(function () { problemDialog.close(); setState("Нет связи с сервером", "offline"); });
  });

  // --- page viewer ----------------------------------------------------------------------
  const img = document.getElementById("page-img");
  let page = 0, zoom = 1;
  const rotation = {};
  function showPage(i) {
    if (!img || !data.pages.length) return;
    page = (i + data.pages.length) % data.pages.length;
    img.src = data.pages[page] + (zoom > 1 ? "" : "?w=1200");
    img.alt = "Страница " + (page + 1);
    document.getElementById("page-no").textContent = (page + 1) + " / " + data.pages.length;
    document.querySelectorAll(".thumb").forEach(function (t) { t.classList.toggle("active", parseInt(t.dataset.page, 10) === page); });
    applyView();
  }
  function applyView() {
    if (!img) return;
    img.style.width = (100 * zoom) + "%";
    img.style.transform = "rotate(" + (rotation[page] || 0) + "deg)";
  }
  function act(name) {
    if (name === "prev") showPage(page - 1);
    else if (name === "next") showPage(page + 1);
    else if (name === "fit") { zoom = 1; showPage(page); }
    else if (name === "zoom-in") { const was = zoom; zoom = Math.min(4, zoom * 1.25); if (was <= 1) showPage(page); else applyView(); }
    else if (name === "zoom-out") { zoom = Math.max(0.5, zoom / 1.25); applyView(); }
    else if (name === "rotate") { rotation[page] = ((rotation[page] || 0) + 90) % 360; applyView(); }
  }
  document.querySelectorAll(".viewer-tools button").forEach(function (b) { b.addEventListener("click", function () { act(b.dataset.act); }); });
  document.querySelectorAll(".thumb").forEach(function (t) { t.addEventListener("click", function () { showPage(parseInt(t.dataset.page, 10)); }); });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey && ev.key === "Enter") { ev.preventDefault(); openConfirm(); return; }
    if (ev.target === comment || ev.target.tagName === "SELECT" || ev.target.id === "problem-note") return;
    if (ev.key === "PageDown") { ev.preventDefault(); act("next"); }
    else if (ev.key === "PageUp") { ev.preventDefault(); act("prev"); }
    else if (ev.key === "+" || ev.key === "=") { ev.preventDefault(); act("zoom-in"); }
    else if (ev.key === "-") { ev.preventDefault(); act("zoom-out"); }
    else if (ev.key === "r" || ev.key === "R" || ev.key === "к" || ev.key === "К") { ev.preventDefault(); act("rotate"); }
  });

  window.addEventListener("online", function () { save(); });
  window.addEventListener("beforeunload", function (ev) {
    if (changedSince && !locked) { stash(); ev.preventDefault(); ev.returnValue = ""; }
  });

  restoreLocalDraft();
  updateTotal();
  showPage(0);
  if (!locked) focusInput(Math.max(0, inputs.findIndex(function (i) { return i.value === ""; })));
})();
