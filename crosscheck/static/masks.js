// Mask editor (issue 15): the template's masks drawn over an uploaded scan, moved and resized with
// the mouse (drag the body or a corner, drag on the page for a new one) or the keyboard (Tab to a
// mask, arrows move by 0.5 %, Shift+arrows resize, Delete removes). Coordinates are fractions of
// the page, never typed; the server's preview masks the page with the pipeline's own code.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("masks-data").textContent);
  const stage = document.getElementById("mask-stage");
  const image = document.getElementById("mask-image");
  const jsonField = document.getElementById("masks-json");
  const status = document.getElementById("masks-status");
  const STEP = 0.005;   // 0.5 % of the page per key press
  const MIN = 0.01;     // the smallest mask: 1 % of the page each way
  const KIND_NAMES = { every: "маска на всех страницах", page: "маска только на странице", identity: "поле кода участника" };

  let nextId = 1;
  let items = data.masks.map(function (m) {
    return { id: nextId++, kind: m.page === "*" ? "every" : "page", page: m.page, box: m.box.slice() };
  });
  if (data.identity) {
    items.push({ id: nextId++, kind: "identity", page: data.identity.page, box: data.identity.box.slice(),
                 digits: data.identity.digits });
  }
  let slot = null;        // the page shown: "title", "content" or "blank"
  let position = 1;       // its position in a paper
  let selected = null;    // id of the selected mask
  let previewed = false;

  function round(v) { return Math.round(v * 10000) / 10000; }
  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
  function pct(v) { return (Math.round(v * 1000) / 10).toString().replace(".", ","); }
  function byId(id) { return items.find(function (i) { return i.id === id; }) || null; }
  function number(item) {
    if (item.kind === "identity") return "";
    return " " + (items.filter(function (i) { return i.kind !== "identity"; }).indexOf(item) + 1);
  }
  function name(item) {
    if (item.kind === "identity") return "Поле кода участника (" + item.digits + " " + digitsWord(item.digits) + "), страница " + item.page;
    return "Маска" + number(item) + (item.kind === "every" ? " на всех страницах" : ", только страница " + item.page);
  }
  function digitsWord(n) {
    if (n % 10 === 1 && n % 100 !== 11) return "цифра";
    if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14)) return "цифры";
    return "цифр";
  }
  function describe(item) {
    const b = item.box;
    return name(item) + ": по ширине " + pct(b[0]) + "–" + pct(b[2]) + " %, по высоте " + pct(b[1]) + "–" + pct(b[3]) + " %";
  }
  function announce(text) { status.textContent = text; }
  function visible(item) { return item.kind === "every" || item.page === position; }

  function serialise() {
    const doc = {
      masks: items.filter(function (i) { return i.kind !== "identity"; })
        .map(function (i) { return { page: i.kind === "every" ? "*" : i.page, box: i.box.map(round) }; }),
      identity: null,
    };
    const id = items.find(function (i) { return i.kind === "identity"; });
    if (id) doc.identity = { page: id.page, box: id.box.map(round), digits: id.digits };
    return JSON.stringify(doc);
  }

  function changed() {
    jsonField.value = serialise();
    if (previewed) {
      document.getElementById("preview-note").textContent =
        "Маски изменены после просмотра: нажмите «Посмотреть, как увидит эксперт» ещё раз.";
      document.getElementById("preview-image").classList.add("stale");
    }
  }

  // --- drawing -----------------------------------------------------------------------------
  function place(el, box) {
    el.style.left = (box[0] * 100) + "%";
    el.style.top = (box[1] * 100) + "%";
    el.style.width = ((box[2] - box[0]) * 100) + "%";
    el.style.height = ((box[3] - box[1]) * 100) + "%";
  }

  function render(focus) {
    stage.querySelectorAll(".mask-rect").forEach(function (el) { el.remove(); });
    items.filter(visible).forEach(function (item) {
      const el = document.createElement("div");
      el.className = "mask-rect kind-" + item.kind + (item.id === selected ? " selected" : "");
      el.tabIndex = 0;
      el.dataset.id = item.id;
      el.setAttribute("role", "button");
      el.setAttribute("aria-pressed", item.id === selected ? "true" : "false");
      el.setAttribute("aria-label", describe(item) + ". Стрелки — сдвинуть, Shift и стрелки — изменить размер, Delete — удалить");
      ["nw", "ne", "sw", "se"].forEach(function (c) {
        const h = document.createElement("span");
        h.className = "handle " + c;
        h.dataset.corner = c;
        el.appendChild(h);
      });
      const tag = document.createElement("span");
      tag.className = "mask-tag";
      tag.textContent = item.kind === "identity" ? "код" : number(item).trim();
      el.appendChild(tag);
      place(el, item.box);
      stage.appendChild(el);
      if (focus && item.id === selected) el.focus();
    });
    details();
    list();
  }

  // every mask of the template, also those of pages not shown (each can be selected or removed)
  function list() {
    const ul = document.getElementById("mask-all");
    ul.textContent = "";
    items.forEach(function (item) {
      const li = document.createElement("li");
      li.className = item.id === selected ? "current" : "";
      const sw = document.createElement("span");
      sw.className = "mask-swatch kind-" + item.kind;
      li.appendChild(sw);
      const text = document.createElement("span");
      text.textContent = name(item).replace("только страница", "страница") + (visible(item) ? "" : " (на этом скане не видна)");
      li.appendChild(text);
      const actions = document.createElement("span");
      actions.className = "mask-actions";
      li.appendChild(actions);
      if (visible(item)) {
        const pick = document.createElement("button");
        pick.type = "button";
        pick.className = "link";
        pick.textContent = "выбрать";
        pick.addEventListener("click", function () { select(item.id, true); });
        actions.appendChild(pick);
      }
      const del = document.createElement("button");
      del.type = "button";
      del.className = "link danger-link";
      del.textContent = "удалить";
      del.setAttribute("aria-label", "Удалить: " + name(item));
      del.addEventListener("click", function () { remove(item); });
      actions.appendChild(del);
      ul.appendChild(li);
    });
  }

  function details() {
    const item = byId(selected);
    document.getElementById("mask-none").hidden = !!item;
    document.getElementById("mask-details").hidden = !item;
    if (!item) return;
    document.getElementById("mask-name").textContent = name(item);
    document.getElementById("mask-coords").textContent =
      "по ширине " + pct(item.box[0]) + "–" + pct(item.box[2]) + " %, по высоте " + pct(item.box[1]) + "–" + pct(item.box[3]) + " %";
    const where = document.getElementById("mask-where");
    where.textContent = "";
    if (item.kind !== "identity") where.appendChild(new Option("на всех страницах", "*"));
    for (let p = 1; p <= Math.max(data.pages, position); p++) where.appendChild(new Option("только на странице " + p, String(p)));
    where.value = item.kind === "every" ? "*" : String(item.page);
    document.getElementById("digits-field").hidden = item.kind !== "identity";
    if (item.kind === "identity") document.getElementById("mask-digits").value = item.digits;
  }

  function select(id, focus) {
    selected = id;
    render(focus);
    const item = byId(id);
    if (item) announce("Выбрана " + describe(item));
  }

  // --- changing a box ----------------------------------------------------------------------
  function moved(box, dx, dy) {
    const w = box[2] - box[0], h = box[3] - box[1];
    const x0 = clamp(box[0] + dx, 0, 1 - w), y0 = clamp(box[1] + dy, 0, 1 - h);
    return [x0, y0, x0 + w, y0 + h];
  }
  function resized(box, corner, x, y) {
    const b = box.slice();
    if (corner.indexOf("w") >= 0) b[0] = clamp(x, 0, b[2] - MIN); else b[2] = clamp(x, b[0] + MIN, 1);
    if (corner.indexOf("n") >= 0) b[1] = clamp(y, 0, b[3] - MIN); else b[3] = clamp(y, b[1] + MIN, 1);
    return b;
  }

  stage.addEventListener("keydown", function (e) {
    const el = e.target.closest(".mask-rect");
    if (!el) return;
    const item = byId(Number(el.dataset.id));
    if (!item) return;
    if (selected !== item.id) { selected = item.id; }
    const keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (keys[e.key]) {
      const d = keys[e.key];
      if (e.shiftKey) {
        const b = item.box.slice();
        b[2] = clamp(b[2] + d[0] * STEP, b[0] + MIN, 1);
        b[3] = clamp(b[3] + d[1] * STEP, b[1] + MIN, 1);
        item.box = b;
      } else {
        item.box = moved(item.box, d[0] * STEP, d[1] * STEP);
      }
      e.preventDefault();
      changed();
      render(true);
      announce(describe(item));
    } else if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      remove(item);
    } else if (e.key === "Escape") {
      selected = null;
      render(false);
      el.blur();
    }
  });
  stage.addEventListener("focusin", function (e) {
    const el = e.target.closest(".mask-rect");
    if (el && selected !== Number(el.dataset.id)) {
      selected = Number(el.dataset.id);
      el.classList.add("selected");
      stage.querySelectorAll(".mask-rect").forEach(function (r) {
        r.classList.toggle("selected", r === el);
        r.setAttribute("aria-pressed", r === el ? "true" : "false");
      });
      details();
      announce("Выбрана " + describe(byId(selected)));
    }
  });

  function remove(item) {
    items = items.filter(function (i) { return i !== item; });
    selected = null;
    changed();
    render(false);
    updateButtons();
    announce((item.kind === "identity" ? "Поле кода участника удалено" : "Маска удалена") +
             ". Масок на этой странице: " + items.filter(visible).length);
    const first = stage.querySelector(".mask-rect");
    if (first) first.focus(); else stage.focus();
  }

  // --- the mouse -----------------------------------------------------------------------------
  let drag = null;
  function at(e) {
    const r = stage.getBoundingClientRect();
    return [clamp((e.clientX - r.left) / r.width, 0, 1), clamp((e.clientY - r.top) / r.height, 0, 1)];
  }
  stage.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    const p = at(e);
    const el = e.target.closest(".mask-rect");
    if (el) {
      const item = byId(Number(el.dataset.id));
      const corner = e.target.dataset.corner || null;
      drag = { item: item, corner: corner, start: p, box: item.box.slice() };
      if (selected !== item.id) select(item.id, true);
    } else {
      // a new drawn mask covers this page only; «Где закрывать» makes it an every-page mask
      const item = { id: nextId++, kind: "page", page: position, box: [p[0], p[1], p[0], p[1]] };
      items.push(item);
      drag = { item: item, corner: "se", start: p, box: item.box.slice(), fresh: true, anchor: p };
      selected = item.id;
      render(false);
    }
    stage.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  stage.addEventListener("pointermove", function (e) {
    if (!drag) return;
    const p = at(e);
    if (drag.fresh) {
      const a = drag.anchor;
      drag.item.box = [Math.min(a[0], p[0]), Math.min(a[1], p[1]), Math.max(a[0], p[0]), Math.max(a[1], p[1])];
    } else if (drag.corner) {
      drag.item.box = resized(drag.box, drag.corner, p[0], p[1]);
    } else {
      drag.item.box = moved(drag.box, p[0] - drag.start[0], p[1] - drag.start[1]);
    }
    const el = stage.querySelector('.mask-rect[data-id="' + drag.item.id + '"]');
    if (el) place(el, drag.item.box);
  });
  function endDrag() {
    if (!drag) return;
    const item = drag.item, fresh = drag.fresh, start = drag.box;
    drag = null;
    if (!fresh && item.box.every(function (v, i) { return v === start[i]; })) return;  // a click: selected only
    if (fresh && (item.box[2] - item.box[0] < MIN || item.box[3] - item.box[1] < MIN)) {
      items = items.filter(function (i) { return i !== item; });  // a click, not a drag
      selected = null;
      render(false);
      return;
    }
    changed();
    render(true);
    announce((fresh ? "Добавлена " : "") + describe(item));
  }
  stage.addEventListener("pointerup", endDrag);
  stage.addEventListener("pointercancel", endDrag);

  // --- buttons -------------------------------------------------------------------------------
  function add(kind) {
    const item = kind === "identity"
      ? { id: nextId++, kind: "identity", page: position, box: [0.62, 0.0, 1.0, 0.12], digits: 5 }
      : { id: nextId++, kind: kind, page: kind === "every" ? "*" : position, box: [0.35, 0.4, 0.65, 0.5] };
    items.push(item);
    changed();
    updateButtons();
    select(item.id, true);
    announce("Добавлена " + describe(item));
  }
  document.getElementById("add-every").addEventListener("click", function () { add("every"); });
  document.getElementById("add-page").addEventListener("click", function () { add("page"); });
  document.getElementById("add-identity").addEventListener("click", function () { add("identity"); });
  document.getElementById("mask-delete").addEventListener("click", function () {
    const item = byId(selected);
    if (item) remove(item);
  });
  document.getElementById("mask-where").addEventListener("change", function (e) {
    const item = byId(selected);
    if (!item) return;
    if (e.target.value === "*") { item.kind = "every"; item.page = "*"; }
    else { if (item.kind !== "identity") item.kind = "page"; item.page = Number(e.target.value); }
    changed();
    render(false);
    announce(describe(item) + (visible(item) ? "" : ". На этой странице её не видно."));
  });
  document.getElementById("mask-digits").addEventListener("change", function (e) {
    const item = byId(selected);
    const n = parseInt(e.target.value, 10);
    if (!item || item.kind !== "identity" || !(n >= 1 && n <= 10)) { e.target.value = item ? item.digits : ""; return; }
    item.digits = n;
    changed();
    render(false);
    announce(describe(item));
  });
  function updateButtons() {
    document.getElementById("add-identity").hidden = items.some(function (i) { return i.kind === "identity"; });
  }

  // --- pages ---------------------------------------------------------------------------------
  const tabs = Array.from(document.querySelectorAll(".mask-tab"));
  function show(newSlot) {
    slot = newSlot;
    const img = data.images[slot];
    position = img ? img.position : 1;
    tabs.forEach(function (t) { t.setAttribute("aria-selected", t.dataset.slot === slot ? "true" : "false"); });
    if (img) {
      image.src = img.url;
      image.hidden = false;
      stage.classList.toggle("landscape", img.width > img.height);
    } else {
      image.hidden = true;
    }
    selected = null;
    render(false);
    const pv = document.getElementById("preview-image");
    pv.hidden = true;
    previewed = false;
    announce("Страница " + position + ". Масок на ней: " + items.filter(visible).length);
  }
  tabs.forEach(function (t) { t.addEventListener("click", function () { show(t.dataset.slot); }); });

  // --- the preview -------------------------------------------------------------------------
  const previewButton = document.getElementById("preview-button");
  previewButton.addEventListener("click", function () {
    const note = document.getElementById("preview-note");
    const pv = document.getElementById("preview-image");
    const form = new FormData();
    form.append("csrf_token", document.querySelector('#masks-form input[name="csrf_token"]').value);
    form.append("masks_json", serialise());
    form.append("slot", slot);
    note.textContent = "Готовим просмотр…";
    previewButton.disabled = true;
    fetch(data.preview, { method: "POST", body: form, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) {
          note.textContent = (res.body.errors || ["Просмотр не получился"]).join("; ");
          note.className = "field-error";
          pv.hidden = true;
          announce(note.textContent);
          return;
        }
        pv.onload = function () { announce("Просмотр готов: страница " + position + " с масками, как её увидит эксперт"); };
        pv.src = res.body.url;
        pv.hidden = false;
        pv.classList.remove("stale");
        previewed = true;
        note.className = res.body.doubt || res.body.turn ? "flash flash-warning" : "hint";
        if (res.body.doubt) {
          note.textContent = "Внимание: " + res.body.doubt + ". Такую страницу программа закроет масками всех страниц и задержит до проверки организатором.";
        } else if (res.body.turn) {
          note.textContent = "Внимание: по этим маскам программа решит, что страница лежит неправильно, и повернёт её на " +
            res.body.turn + "° — маски должны закрывать то, что на странице заполнено (шапку с кодом, таблицу баллов). Так эксперт увидит страницу " + position + ".";
        } else {
          note.textContent = "Так эксперт увидит страницу " + position + ".";
        }
      })
      .catch(function () {
        note.textContent = "Нет связи с сервером: просмотр не получился";
        note.className = "field-error";
      })
      .finally(function () { previewButton.disabled = false; });
  });

  document.getElementById("masks-form").addEventListener("submit", function () { jsonField.value = serialise(); });

  jsonField.value = serialise();
  updateButtons();
  show(tabs.length ? tabs[0].dataset.slot : "blank");
})();
