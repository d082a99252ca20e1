(function () {
  "use strict";
  var box = document.getElementById("filter-text");
  var severity = document.getElementById("filter-severity");
  var rule = document.getElementById("filter-rule");
  var confidence = document.getElementById("filter-confidence");
  var shown = document.getElementById("shown-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#findings tbody tr"));
  var texts = rows.map(function (tr) { return tr.textContent.toLowerCase(); });

  function apply() {
    var q = box.value.trim().toLowerCase(), s = severity.value, r = rule.value, c = confidence.value, n = 0;
    rows.forEach(function (tr, i) {
      var ok = (!s || tr.getAttribute("data-severity") === s) &&
               (!r || tr.getAttribute("data-rule") === r) &&
               (!c || tr.getAttribute("data-confidence") === c) &&
               (!q || texts[i].indexOf(q) !== -1);
      tr.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }

  function pick(select, value) {
    var ok = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
    select.value = ok ? value : "";
  }

  // A link may carry the initial filter: report.html#q=aws&severity=high&confidence=high&rule=aws-access-key-id
  function fromHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    box.value = params.get("q") || "";
    pick(severity, params.get("severity") || "");
    pick(rule, params.get("rule") || "");
    pick(confidence, params.get("confidence") || "");
  }

  box.addEventListener("input", apply);
  severity.addEventListener("change", apply);
  rule.addEventListener("change", apply);
  confidence.addEventListener("change", apply);
  window.addEventListener("hashchange", function () { fromHash(); apply(); });
  fromHash();
  apply();
}());
