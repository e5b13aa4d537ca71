// Review queue: each unsigned answer with its words, what changed since it was signed, sources, the questions
// that lead to it and where it appears; reviewers sign it (bound to these words) or ask for changes.
(function () {
  "use strict";
  var S = window.Staff, $ = S.$, el = S.el, clear = S.clear;

  function diffBox(item) {
    var box = el("div", null, "diff");
    if (!item.last_signed) { box.appendChild(el("p", "Never signed before.", "hint")); return box; }
    box.appendChild(el("p", "Changed since " + item.last_signed.signer + " signed it on " + item.last_signed.date +
      " (removed words struck through, new words underlined):", "hint"));
    var p = el("p");
    item.diff.forEach(function (seg) {
      var tag = seg.op === "delete" ? "del" : seg.op === "insert" ? "ins" : "span";
      p.appendChild(el(tag, seg.text));
      p.appendChild(document.createTextNode(" "));
    });
    box.appendChild(p);
    return box;
  }

  function listDetails(title, items, total) {
    var d = el("details");
    d.appendChild(el("summary", title + " (" + total + ")"));
    var ul = el("ul", null, "questions");
    items.forEach(function (q) { ul.appendChild(el("li", q)); });
    d.appendChild(ul);
    if (total > items.length) d.appendChild(el("p", "\u2026and " + (total - items.length) + " more.", "hint"));
    return d;
  }

  function itemBox(item, maySign) {
    var box = el("article", null, "review-item" + (item.flagged.length ? " flagged" : "") + (item.stale ? " stale" : ""));
    box.id = "review-" + item.key + "-" + item.variant;
    box.appendChild(el("h3", item.label));
    box.appendChild(el("p", item.file + " \u00b7 " + item.state + " \u00b7 " + item.words + " words", "hint"));
    item.flagged.forEach(function (f) { box.appendChild(el("p", f, "flag")); });
    if (item.stale) box.appendChild(el("p", "Changing facts last checked " + item.facts_checked_on + ": STALE.", "flag"));
    box.appendChild(el("p", item.text, "reply-text words"));
    if (item.buttons.length) {
      var ul = el("ul", null, "buttons");
      item.buttons.forEach(function (b) { ul.appendChild(el("li", b)); });
      box.appendChild(el("p", "Buttons under it:", "small-heading"));
      box.appendChild(ul);
    }
    box.appendChild(diffBox(item));
    box.appendChild(el("p", "Sources", "small-heading"));
    box.appendChild(S.sourcesList(item.sources));
    box.appendChild(el("p", "Sent by: " + (item.rules.join(", ") || "no rule of its own (sent with other answers)"), "hint"));
    if (item.examples_total) box.appendChild(listDetails("Questions that lead to it (training examples)", item.examples, item.examples_total));
    if (item.held_out_total) box.appendChild(listDetails("Phrasings kept for testing", item.held_out, item.held_out_total));
    var status = el("p"); status.setAttribute("role", "status");
    if (maySign) {
      var user = S.user();
      var sign = el("button", "Sign these words as " + user.full_name + (user.credential ? ", " + user.credential : ""), "sign");
      sign.type = "button";
      sign.addEventListener("click", function () {
        S.api("POST", "/staff/api/review/sign", { key: item.key, variant: item.variant, fingerprint: item.fingerprint }).then(function (d) {
          status.textContent = "Signed. Written to " + d.file + "; a maintainer commits it and retrains.";
          sign.disabled = true;
        }).catch(function (err) { status.textContent = err.message; });
      });
      box.appendChild(sign);
      var id = "changes-" + item.key + "-" + item.variant;
      var label = el("label", "Or say what must change"); label.htmlFor = id;
      var area = el("textarea"); area.id = id; area.rows = 2; area.maxLength = 1000;
      var ask = el("button", "Request changes"); ask.type = "button";
      ask.addEventListener("click", function () {
        S.api("POST", "/staff/api/review/request-changes", {
          key: item.key, variant: item.variant, fingerprint: item.fingerprint, comment: area.value
        }).then(function () { status.textContent = "Change request recorded."; }).catch(function (err) { status.textContent = err.message; });
      });
      [label, area, ask].forEach(function (n) { box.appendChild(n); });
    } else {
      box.appendChild(el("p", "Only reviewers sign answers.", "hint"));
    }
    box.appendChild(status);
    return box;
  }

  function load() {
    $("review-status").textContent = "Loading\u2026";
    S.api("GET", "/staff/api/review/queue").then(function (data) {
      var c = data.counts;
      $("review-status").textContent = c.signed + " of " + c.answers + " answers are signed by a clinician; " +
        data.items.length + " in the queue.";
      var out = $("review-list");
      clear(out);
      data.items.forEach(function (item) { out.appendChild(itemBox(item, data.may_sign)); });
    }).catch(function (err) { $("review-status").textContent = err.message; });
  }
  S.onTab["tab-review"] = load;
})();
