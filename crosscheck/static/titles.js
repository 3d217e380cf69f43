// The title-page queue, keyboard first: 1/2/3 pick a candidate, a typed code + Enter confirms,
// N or → opens the next pending page. Keys typed into the code field stay in the field.
(function () {
  var typed = document.getElementById("typed-code");
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var inField = e.target === typed;
    if (inField) return; // digits and Enter belong to the field (Enter submits its form)
    var pick = document.querySelector('button.candidate[data-key="' + e.key + '"]');
    if (pick) { e.preventDefault(); pick.click(); return; }
    if (e.key === "n" || e.key === "N" || e.key === "т" || e.key === "Т" || e.key === "ArrowRight") {
      var next = document.getElementById("next-link");
      if (next) { e.preventDefault(); window.location.href = next.href; }
      return;
    }
    if (/^[0-9]$/.test(e.key) && typed && !document.querySelector('button.candidate[data-key="' + e.key + '"]')) {
      typed.focus(); // start typing a code straight away
    }
  });
})();
