// Staff console, shared parts: sign-in, tabs, the API helper and the pieces every section draws
// (verdicts, replies, sources as links). All text goes into the page with textContent, never innerHTML.
(function () {
  "use strict";
  var TOKEN = "staffSession";
  var USER = "staffUser";
  var Staff = window.Staff = { onTab: {}, onSignIn: [] };

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  Staff.$ = $; Staff.el = el; Staff.clear = clear;

  Staff.user = function () {
    try { return JSON.parse(sessionStorage.getItem(USER) || "null"); } catch (e) { return null; }
  };
  Staff.may = function (role) {
    var order = ["viewer", "reviewer", "admin"], user = Staff.user();
    return !!user && order.indexOf(user.role) >= order.indexOf(role);
  };

  Staff.api = function (method, path, body) {
    var options = { method: method, headers: { "Authorization": "Bearer " + (sessionStorage.getItem(TOKEN) || "") } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.status === 401 && path !== "/staff/api/login") { signOut("Your session ended. Sign in again."); }
        if (!res.ok) { var e = new Error(data.detail || ("Error " + res.status)); e.status = res.status; throw e; }
        return data;
      });
    });
  };

  // A link only for https addresses and the assistant's own pages ("/about"); anything else stays text.
  Staff.link = function (url, text) {
    var safe = typeof url === "string" && (/^https:\/\//.test(url) || /^\/(?!\/)/.test(url));
    if (!safe) return el("span", text || url || "");
    var a = el("a", text || url);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  };
  Staff.sourcesList = function (sources) {
    var ul = el("ul", null, "sources");
    (sources || []).forEach(function (s) {
      var li = el("li");
      li.appendChild(Staff.link(s.url, s.title || s.url));
      var rest = [s.publisher, s.year].filter(Boolean).join(", ");
      if (rest) li.appendChild(document.createTextNode(" (" + rest + ")"));
      ul.appendChild(li);
    });
    return ul;
  };
  Staff.reviewText = function (r) {
    if (!r) return "none";
    if (r.status === "void") return "VOID: the text does not match its review";
    var signed = /^signed: (.+) (\d{4}-\d{2}-\d{2}) [0-9a-f]{64}$/.exec(r.clinical_review || "");
    var clinical = signed ? "signed by " + signed[1] + " on " + signed[2] : "clinical review pending";
    return [r.checked_by, r.checked_on, clinical].filter(Boolean).join(", ");
  };

  // The verdict, first and in plain words; a red or amber banner when a person must look.
  Staff.verdictBox = function (v) {
    var box = el("div", null, "verdict");
    if (v.banner) {
      var banner = el("p", v.banner, "banner " + (v.alarm === "red" ? "banner-red" : "banner-amber"));
      banner.setAttribute("role", "alert");
      box.appendChild(banner);
    }
    var p = el("p", null, "verdict-text");
    if (v.text.indexOf(v.label) !== 0) p.appendChild(el("strong", v.label + ": "));  // no "Crisis route: Crisis route"
    p.appendChild(document.createTextNode(v.text));
    box.appendChild(p);
    return box;
  };

  Staff.replyBox = function (r) {
    var box = el("div", null, "reply" + (r.stale ? " stale" : ""));
    box.appendChild(el("p", r.answer_key, "key"));
    box.appendChild(el("p", r.text, "reply-text"));
    if (r.buttons && r.buttons.length) {
      var ul = el("ul", null, "buttons");
      r.buttons.forEach(function (b) { ul.appendChild(el("li", b)); });
      box.appendChild(ul);
    }
    if (r.sources && r.sources.length) {
      box.appendChild(el("p", "Sources", "small-heading"));
      box.appendChild(Staff.sourcesList(r.sources));
    }
    if (r.review) {
      box.appendChild(el("p", "Review: " + Staff.reviewText(r.review), r.review.status === "void" ? "flag" : ""));
    }
    if (r.facts_checked_on) {
      box.appendChild(el("p", "Facts checked on " + r.facts_checked_on + (r.stale ? " (STALE)" : ""), r.stale ? "flag" : ""));
    }
    return box;
  };

  // Tabs: one panel at a time; each section may load its data when shown.
  function showTab(id) {
    document.querySelectorAll("[role=tab]").forEach(function (tab) {
      var on = tab.getAttribute("aria-controls") === id;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      $(tab.getAttribute("aria-controls")).hidden = !on;
    });
    if (Staff.onTab[id]) Staff.onTab[id]();
  }
  Staff.showTab = showTab;

  function showConsole(on) {
    $("login").hidden = on;
    $("console").hidden = !on;
    $("who").hidden = !on;
    var user = Staff.user();
    if (on && user) {
      $("who-name").textContent = "Signed in as " + user.full_name + " (" + user.name + ", " + user.role + ")";
      document.querySelectorAll(".admin-only").forEach(function (n) { n.hidden = user.role !== "admin"; });
      Staff.onSignIn.forEach(function (f) { f(user); });
    }
  }
  function signOut(reason) {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(USER);
    showConsole(false);
    $("login-status").textContent = reason || "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var name = $("login-name").value, secret = $("login-secret").value;
      $("login-secret").value = "";
      Staff.api("POST", "/staff/api/login", { name: name, secret: secret }).then(function (data) {
        sessionStorage.setItem(TOKEN, data.token);
        sessionStorage.setItem(USER, JSON.stringify(data.user));
        $("login-status").textContent = "";
        showConsole(true);
        showTab("tab-try");
      }).catch(function (err) { $("login-status").textContent = err.message; });
    });
    $("sign-out").addEventListener("click", function () {
      Staff.api("POST", "/staff/api/logout", {}).catch(function () {}).then(function () { signOut("Signed out."); });
    });
    document.querySelectorAll("[role=tab]").forEach(function (tab) {
      tab.addEventListener("click", function () { showTab(tab.getAttribute("aria-controls")); });
    });
    if (sessionStorage.getItem(TOKEN)) {
      Staff.api("GET", "/staff/api/me").then(function (data) {
        sessionStorage.setItem(USER, JSON.stringify(data.user));
        showConsole(true);
        showTab("tab-try");
      }).catch(function () {});
    }
  });
})();
