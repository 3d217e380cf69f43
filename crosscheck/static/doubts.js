// The paper viewer: the thumbnail turns as the organiser picks a turn for its page.
document.querySelectorAll(".doubt-card").forEach(function (card) {
  var img = card.querySelector(".turn-preview");
  card.querySelectorAll("input[type=radio]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      img.className = "turn-preview turn-" + radio.value;
    });
  });
});
