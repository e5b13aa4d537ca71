// Answer bank search, and for admins: accounts and the audit log.
(function () {
  "use strict";
  var S = window.Staff, $ = S.$, el = S.el, clear = S.clear;

  function onBank(ev) {
    if (ev) ev.preventDefault();
    var q = $("bank-query").value || "";
    S.api("GET", "/staff/api/bank?q=" + encodeURIComponent(q)).then(function (data) {
      $("bank-summary").textContent = data.count + " answers, " + data.stale + " with stale facts";
      var out = $("bank-results");
      clear(out);
      data.entries.forEach(function (e) {
        var box = el("article", null, "entry" + (e.stale ? " stale" : ""));
        box.appendChild(el("p", e.key + (e.variant ? " [" + (e.variant + 1) + "]" : "") + " \u2014 " + e.file, "key"));
        box.appendChild(el("p", e.text, "reply-text"));
        box.appendChild(S.sourcesList(e.sources));
        box.appendChild(el("p", "Review: " + S.reviewText(e.review) + (e.review_matches_text ? "" : " (does NOT match the text)"),
          e.review_matches_text ? "" : "flag"));
        if (e.facts_checked_on) {
          box.appendChild(el("p", "Facts checked on " + e.facts_checked_on + (e.stale ? " (STALE)" : ""), e.stale ? "flag" : ""));
        }
        out.appendChild(box);
      });
    }).catch(function (err) { $("bank-summary").textContent = err.message; });
  }

  function loadAccounts() {
    S.api("GET", "/staff/api/accounts").then(function (data) {
      var out = $("accounts-list");
      clear(out);
      var table = el("table");
      var head = el("tr");
      ["Name", "Full name", "Role", "Credential", "State", ""].forEach(function (h) { var th = el("th", h); th.scope = "col"; head.appendChild(th); });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
      var body = el("tbody");
      data.accounts.forEach(function (a) {
        var tr = el("tr");
        [a.name, a.full_name, a.role, a.credential, a.active ? "active" : "deactivated"].forEach(function (v) { tr.appendChild(el("td", v)); });
        var td = el("td");
        var toggle = el("button", a.active ? "Deactivate " + a.name : "Re-enable " + a.name);
        toggle.type = "button";
        toggle.addEventListener("click", function () {
          S.api("POST", "/staff/api/accounts/" + encodeURIComponent(a.name) + "/active", { active: !a.active })
            .then(loadAccounts).catch(function (err) { $("account-status").textContent = err.message; });
        });
        var reset = el("button", "New secret for " + a.name);
        reset.type = "button";
        reset.addEventListener("click", function () {
          S.api("POST", "/staff/api/accounts/" + encodeURIComponent(a.name) + "/secret", {}).then(function (d) {
            showSecret(d.name, d.secret);
          }).catch(function (err) { $("account-status").textContent = err.message; });
        });
        td.appendChild(toggle); td.appendChild(document.createTextNode(" ")); td.appendChild(reset);
        tr.appendChild(td);
        body.appendChild(tr);
      });
      table.appendChild(body);
      out.appendChild(table);
    }).catch(function (err) { $("account-status").textContent = err.message; });
  }

  function showSecret(name, secret) {
    var box = $("account-secret");
    clear(box);
    box.appendChild(el("strong", "Secret for " + name + " (shown only now; give it to them safely): "));
    box.appendChild(el("code", secret));
    box.hidden = false;
  }

  $("account-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var payload = {};
    ["name", "full_name", "role", "credential"].forEach(function (k) { payload[k] = $("account-" + k.replace("_", "-")).value; });
    S.api("POST", "/staff/api/accounts", payload).then(function (d) {
      $("account-status").textContent = "Created " + d.account.name + ".";
      showSecret(d.account.name, d.secret);
      $("account-form").reset();
      loadAccounts();
    }).catch(function (err) { $("account-status").textContent = err.message; });
  });

  function loadAudit() {
    S.api("GET", "/staff/api/audit?last=200").then(function (data) {
      $("audit-status").textContent = data.problems.length ? "The log's chain is BROKEN: " + data.problems.join("; ")
        : "The log is intact: " + data.entries.length + " newest entries.";
      var out = $("audit-list");
      clear(out);
      var table = el("table");
      var head = el("tr");
      ["When (UTC)", "Who", "What", "On", "Text fingerprint", "Details"].forEach(function (h) { var th = el("th", h); th.scope = "col"; head.appendChild(th); });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
      var body = el("tbody");
      data.entries.forEach(function (e) {
        var tr = el("tr");
        [new Date(e.at * 1000).toISOString().replace("T", " ").slice(0, 19), e.actor, e.action, e.target,
          (e.fingerprint || "").slice(0, 12), JSON.stringify(e.detail)].forEach(function (v) { tr.appendChild(el("td", v)); });
        body.appendChild(tr);
      });
      table.appendChild(body);
      out.appendChild(table);
    }).catch(function (err) { $("audit-status").textContent = err.message; });
  }

  $("bank-form").addEventListener("submit", onBank);
  S.onTab["tab-bank"] = onBank;
  S.onTab["tab-accounts"] = loadAccounts;
  S.onTab["tab-audit"] = loadAudit;
})();
