(function () {
  "use strict";
  var box = document.getElementById("filter-text");
  var risk = document.getElementById("filter-risk");
  var kind = document.getElementById("filter-kind");
  var shown = document.getElementById("shown-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.identity"));
  var texts = rows.map(function (tr) { return tr.textContent.toLowerCase(); });
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.owner"));

  function apply() {
    var q = box.value.trim().toLowerCase(), r = risk.value, k = kind.value, n = 0;
    rows.forEach(function (tr, i) {
      var ok = (!r || tr.getAttribute("data-risk") === r) &&
               (!k || tr.getAttribute("data-kind") === k) &&
               (!q || texts[i].indexOf(q) !== -1);
      tr.hidden = !ok;
      var details = tr.nextElementSibling;
      while (details && details.classList.contains("detail")) { details.hidden = !ok; details = details.nextElementSibling; }
      if (ok) { n += 1; }
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector("tr.identity:not([hidden])"); });
    shown.textContent = String(n);
  }

  box.addEventListener("input", apply);
  risk.addEventListener("change", apply);
  kind.addEventListener("change", apply);
  apply();
}());
