/* Small progressive helpers; every page works without them (served locally, CSP 'self').
 * - textarea[maxlength][data-counter]: a live "N characters left" line under the field.
 * - [data-copy]: a button that copies the text of the element it names (by id).
 */
(function () {
  "use strict";

  function counters() {
    document.querySelectorAll("textarea[maxlength][data-counter]").forEach(function (area) {
      var max = parseInt(area.getAttribute("maxlength"), 10);
      var line = document.createElement("p");
      line.className = "hint char-counter";
      line.id = area.id + "-counter";
      line.setAttribute("aria-live", "polite");
      // Under the field's hint ("Up to 10,000 characters."), which says the same without JS.
      var hint = document.getElementById(area.id + "-hint");
      (hint || area).insertAdjacentElement("afterend", line);
      var described = area.getAttribute("aria-describedby");
      area.setAttribute("aria-describedby", (described ? described + " " : "") + line.id);
      function update() {
        var left = Math.max(0, max - area.value.length);
        line.textContent = area.getAttribute("data-counter")
          .replace("{left}", left.toLocaleString());
        line.classList.toggle("char-counter-low", left < max / 10);
      }
      area.addEventListener("input", update);
      update();
    });
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) { return; }
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        var value = source.getAttribute("data-value") || source.textContent.trim();
        navigator.clipboard.writeText(value).then(function () {
          button.textContent = button.getAttribute("data-copied") || label;
          setTimeout(function () { button.textContent = label; }, 2500);
        });
      });
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  counters();
  copyButtons();
  printButtons();
}());
