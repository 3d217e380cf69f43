// The title-page queue, keyboard first: 1/2/3 pick a candidate (a disabled one - its paper
// already has pages - is skipped), "/" or any other digit starts typing a code, Enter confirms
// it, Esc leaves the field; J, N or → opens the next pending page, K or ← the previous one
// (the Russian layout's о, т, л work too). Keys typed into the code field stay in the field.
(function () {
  "use strict";
  var typed = document.getElementById("typed-code");
  function go(id) {
    var link = document.getElementById(id);
    if (link) window.location.href = link.href;
    return !!link;
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target === typed) { // digits and Enter belong to the field (Enter submits its form)
      if (e.key === "Escape") { e.preventDefault(); typed.blur(); }
      return;
    }
    if (e.target && (e.target.tagName === "INPUT" || e.target.tagName === "TEXTAREA")) return;
    var pick = document.querySelector('button.candidate[data-key="' + e.key + '"]:not([disabled])');
    if (pick) { e.preventDefault(); pick.click(); return; }
    var key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (key === "j" || key === "о" || key === "n" || key === "т" || key === "ArrowRight") {
      if (go("next-link")) e.preventDefault();
      return;
    }
    if (key === "k" || key === "л" || key === "ArrowLeft") {
      if (go("prev-link")) e.preventDefault();
      return;
    }
    if (typed && key === "/") { e.preventDefault(); typed.focus(); return; }
    if (typed && /^[0-9]$/.test(key)) typed.focus(); // start typing a code: the digit goes into the field
  });
})();
