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

  // #save-state reports saving only; a validation message sits next to its field (its own
  // role=alert paragraph, tied to the field by aria-describedby and aria-invalid) until the
  // field is fixed, so an autosave's «Сохранено» never replaces it (issue 16, item 12).
  function setState(text, kind) {
    stateEl.textContent = text;
    stateEl.className = "save-state" + (kind ? " " + kind : "");
  }

  function errorFor(field) {
    return field === comment ? document.getElementById("comment-error")
      : document.getElementById("e-" + field.id.slice(2));
  }
  function showFieldError(field, message) {
    const el = errorFor(field);
    if (el) el.textContent = message;
    field.setAttribute("aria-invalid", "true");
    field.classList.add("invalid");
  }
  function clearFieldError(field) {
    const el = errorFor(field);
    if (el) el.textContent = "";
    field.removeAttribute("aria-invalid");
    field.classList.remove("invalid", "missing");
  }
  const submitError = document.getElementById("submit-error");
  function missingInputs() {
    return inputs.filter(function (i) { return i.value === "" || !valid(i); });
  }
  function showMissing() {
    const missing = missingInputs();
    submitError.textContent = missing.length
      ? "Не выставлены баллы за задания: " + missing.map(function (i) { return i.name; }).join(", ") : "";
    missing.forEach(function (i) { i.classList.add("missing"); i.setAttribute("aria-invalid", "true"); });
    return missing;
  }
  function fieldFixed(input) {
    if (!valid(input)) return;
    clearFieldError(input);
    if (submitError.dataset.kind === "missing") {
      if (!showMissing().length) submitError.dataset.kind = "";
    }
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
      if (!valid(i)) i.classList.add("invalid");
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
          showFieldError(input, "Балл за задание " + input.name + " — от 0 до " + max);
          return;
        }
        input.value = candidate;
        fieldFixed(input);
        changed();
        if (String(max).length === candidate.length || parseInt(candidate + "0", 10) > max) focusInput(index + 1);
        return;
      }
      if (ev.key === "Enter") { ev.preventDefault(); focusInput(index + 1); return; }
      if (ev.key === "Backspace" || ev.key === "Delete") {
        ev.preventDefault();
        input.value = "";
        if (submitError.dataset.kind === "missing") showMissing();
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
    input.addEventListener("input", function () {
      if (valid(input)) fieldFixed(input); else showFieldError(input, "Балл за задание " + input.name + " — от 0 до " + input.dataset.max);
      changed();
    });
  });
  if (comment) comment.addEventListener("input", function () {
    if (comment.value.trim()) clearFieldError(comment);
    changed(800);
  });

  // --- submit and problem ------------------------------------------------------------
  const confirmDialog = document.getElementById("confirm-dialog");
  function openConfirm() {
    if (locked) return;
    const t = updateTotal();
    if (t.filled < inputs.length) {
      submitError.dataset.kind = "missing";
      const missing = showMissing();
      focusInput(inputs.indexOf(missing[0]));
      return;
    }
    submitError.dataset.kind = "";
    submitError.textContent = "";
    if (comment && !comment.value.trim()) {
      showFieldError(comment, "Напишите обоснование итоговых баллов");
      comment.focus();
      errorFor(comment).scrollIntoView({ block: "nearest" });
      return;
    }
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
          if (!res.ok) { submitError.textContent = body.error || "Не удалось сдать работу"; return; }
          try { localStorage.removeItem(draftKey); } catch (e) { /* ignore */ }
          lock("Работа сдана", "saved");
          const next = parseInt(root.dataset.remaining, 10) > 0 ? root.dataset.nextUrl : root.dataset.homeUrl;
          setTimeout(function () { window.location.assign(next); }, 700);
        });
      }).catch(function () { submitError.textContent = "Нет связи с сервером — работа не сдана, повторите"; });
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

  // --- criteria: one line each, the current task's in full, «?» shows them all (item 14) ---
  const tasksTable = document.getElementById("tasks");
  const criteriaToggle = document.getElementById("criteria-toggle");
  const criteriaState = document.getElementById("criteria-state");
  function toggleCriteria() {
    const open = !tasksTable.classList.contains("criteria-open");
    tasksTable.classList.toggle("criteria-open", open);
    criteriaToggle.setAttribute("aria-pressed", open ? "true" : "false");
    criteriaState.textContent = open ? "Критерии всех заданий развёрнуты"
      : "Критерии свёрнуты: полностью показаны только у текущего задания";
  }
  criteriaToggle.addEventListener("click", toggleCriteria);

  // --- page viewer ----------------------------------------------------------------------
  // The image is laid out at its rotated size: a stage box as wide as the frame (times the
  // zoom) and as tall as the turned page, the image centred in it and turned about its centre,
  // so a turned page is never cropped and every part of it scrolls into view (item 4).
  const img = document.getElementById("page-img");
  const frame = document.getElementById("page-frame");
  const stage = document.getElementById("page-stage");
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
    const turn = rotation[page] || 0;
    const sideways = turn === 90 || turn === 270;
    const ratio = img.naturalWidth && img.naturalHeight ? img.naturalHeight / img.naturalWidth : Math.SQRT2;
    const width = Math.max(1, frame.clientWidth) * zoom;       // what the reader sees across
    const height = sideways ? width / ratio : width * ratio;   // and down
    const imgWidth = sideways ? height : width;                // the image before turning
    const imgHeight = sideways ? width : height;
    stage.style.width = width + "px";
    stage.style.height = height + "px";
    img.style.width = imgWidth + "px";
    img.style.height = imgHeight + "px";
    img.style.left = (width - imgWidth) / 2 + "px";
    img.style.top = (height - imgHeight) / 2 + "px";
    img.style.transform = turn ? "rotate(" + turn + "deg)" : "";
  }
  function zoomTo(next) {
    // keep the point at the middle of the frame where it was
    const cx = (frame.scrollLeft + frame.clientWidth / 2) / Math.max(1, stage.offsetWidth);
    const cy = (frame.scrollTop + frame.clientHeight / 2) / Math.max(1, stage.offsetHeight);
    const was = zoom;
    zoom = next;
    if (was <= 1 && zoom > 1) showPage(page); else applyView();
    frame.scrollLeft = cx * stage.offsetWidth - frame.clientWidth / 2;
    frame.scrollTop = cy * stage.offsetHeight - frame.clientHeight / 2;
  }
  function act(name) {
    if (name === "prev") showPage(page - 1);
    else if (name === "next") showPage(page + 1);
    else if (name === "fit") { zoom = 1; showPage(page); }
    else if (name === "zoom-in") zoomTo(Math.min(4, zoom * 1.25));
    else if (name === "zoom-out") zoomTo(Math.max(0.5, zoom / 1.25));
    else if (name === "rotate") { rotation[page] = ((rotation[page] || 0) + 90) % 360; applyView(); }
  }
  if (img) {
    img.addEventListener("load", applyView);
    window.addEventListener("resize", applyView);
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
    else if (ev.key === "?") { ev.preventDefault(); toggleCriteria(); }
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
