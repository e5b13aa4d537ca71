// Batch test in the browser: upload a CSV, see pass/fail and the verdict per row, the counts, and download it.
(function () {
  "use strict";
  var S = window.Staff, $ = S.$, el = S.el, clear = S.clear;
  var SHOWN = ["phrasing", "expected", "result", "confident_wrong", "verdict", "answer_keys", "confidence"];

  function render(data) {
    var out = $("batch-result");
    clear(out);
    var summary = el("ul", null, "summary");
    summary.id = "batch-summary";
    data.summary.forEach(function (line) { summary.appendChild(el("li", line, /CONFIDENTLY WRONG: [1-9]|red alarms: [1-9]/.test(line) ? "flag" : "")); });
    out.appendChild(summary);
    var blob = new Blob([data.csv], { type: "text/csv" });
    var download = el("a", "Download the results (CSV)");
    download.href = URL.createObjectURL(blob);
    download.download = "batch-results.csv";
    out.appendChild(download);
    var columns = SHOWN.concat(data.extra_columns);
    var table = el("table", null, "batch");
    var head = el("tr");
    columns.forEach(function (c) { var th = el("th", c.replace(/_/g, " ")); th.scope = "col"; head.appendChild(th); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = el("tbody");
    data.rows.forEach(function (row) {
      var tr = el("tr", null, (row.alarm === "red" ? "alarm-row " : "") + (row.result === "fail" ? "fail-row" : ""));
      columns.forEach(function (c) {
        var value = row[c] === undefined ? "" : row[c];
        if (c === "confident_wrong" && value) value = "CONFIDENTLY WRONG";
        var td = el("td", value);
        if (c === "expected" || c === "answer_keys") td.className = "keys";  // long keys may wrap anywhere
        if ((c === "result" && value === "fail") || (c === "confident_wrong" && value)) td.className = "flag";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    out.appendChild(table);
  }

  $("batch-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = $("batch-file").files[0];
    if (!file) return;
    $("batch-status").textContent = "Running " + file.name + "\u2026";
    file.text().then(function (text) {
      return S.api("POST", "/staff/api/batch", { csv: text, filename: file.name });
    }).then(function (data) {
      $("batch-status").textContent = "Done: " + data.rows.length + " phrasings.";
      render(data);
    }).catch(function (err) { $("batch-status").textContent = err.message; });
  });
})();
