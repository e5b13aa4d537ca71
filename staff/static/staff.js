// Staff console. All text goes into the page with textContent (never innerHTML).
(function () {
  "use strict";
  var KEY = "staffToken";
  var SESSION_KEY = "staffSession";

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function token() { return sessionStorage.getItem(KEY) || ""; }
  function newSession() {
    var id = "console-" + Math.random().toString(36).slice(2, 12);
    sessionStorage.setItem(SESSION_KEY, id);
    return id;
  }
  function session() { return sessionStorage.getItem(SESSION_KEY) || newSession(); }

  function api(method, path, body) {
    var options = { method: method, headers: { "Authorization": "Bearer " + token() } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.status === 401) { signOut("The token was refused."); }
        if (!res.ok) { throw new Error(data.detail || ("Error " + res.status)); }
        return data;
      });
    });
  }

  function showConsole(on) {
    $("login").hidden = on;
    $("console").hidden = !on;
  }
  function signOut(reason) {
    sessionStorage.removeItem(KEY);
    showConsole(false);
    $("login-status").textContent = reason || "";
  }

  function pair(dl, term, value) {
    dl.appendChild(el("dt", term));
    dl.appendChild(el("dd", value));
  }
  function sourcesList(sources) {
    var ul = el("ul");
    (sources || []).forEach(function (s) {
      ul.appendChild(el("li", [s.title, s.publisher, s.year, s.url].filter(Boolean).join(", ")));
    });
    return ul;
  }
  function reviewText(r) {
    if (!r) return "none";
    return [r.checked_by, r.checked_on, "clinical review: " + (r.clinical_review || "none")].filter(Boolean).join(", ");
  }

  function renderReplies(container, replies) {
    clear(container);
    replies.forEach(function (r) {
      var box = el("div", null, "reply" + (r.stale ? " stale" : ""));
      box.appendChild(el("p", r.answer_key, "key"));
      box.appendChild(el("p", r.text, "reply-text"));
      (r.buttons || []).forEach(function (b) { box.appendChild(el("span", "[" + b + "] ")); });
      box.appendChild(el("h4", "Sources"));
      box.appendChild(sourcesList(r.sources));
      box.appendChild(el("p", "Review: " + reviewText(r.review)));
      if (r.facts_checked_on) {
        box.appendChild(el("p", "Facts checked on " + r.facts_checked_on + (r.stale ? " (stale)" : ""), r.stale ? "flag" : ""));
      }
      container.appendChild(box);
    });
  }

  function renderExplanation(container, e) {
    clear(container);
    var dl = el("dl");
    dl.id = "explanation-list";
    pair(dl, "Intent", e.intent.name + " (" + e.intent.confidence.toFixed(3) + ")");
    pair(dl, "Ranking", e.intent_ranking.map(function (r) { return r.name + " " + r.confidence.toFixed(3); }).join(", "));
    pair(dl, "Entities", e.entities.map(function (x) { return x.entity + "=" + x.value + " (" + x.extractor + ")"; }).join(", ") || "none");
    pair(dl, "Slots set", Object.keys(e.slots).map(function (k) { return k + "=" + e.slots[k]; }).join(", ") || "none");
    var g = e.guardrail;
    var guardText = "none fired";
    if (g) {
      guardText = Object.keys(g).sort().filter(function (k) { return g[k] !== null; })
        .map(function (k) { return k + "=" + g[k]; }).join(", ");
    }
    var gdd = el("dd", guardText);
    gdd.id = "guardrail";
    dl.appendChild(el("dt", "Guardrail"));
    dl.appendChild(gdd);
    e.actions.forEach(function (a) {
      pair(dl, "Action", a.action + " by " + a.policy + " (" + (a.confidence === null ? "-" : a.confidence.toFixed(3)) + ")" +
        (a.rule ? ", rule \u201c" + a.rule + "\u201d" : ""));
    });
    var fdd = el("dd", e.flags.join(", ") || "none", e.flags.length ? "flag" : "");
    fdd.id = "flags";
    dl.appendChild(el("dt", "Flags"));
    dl.appendChild(fdd);
    container.appendChild(dl);
  }

  function onExplain(ev) {
    ev.preventDefault();
    var message = $("message").value;
    if (!message.trim()) return;
    $("explanation").textContent = "Working\u2026";
    api("POST", "/staff/api/explain", { message: message, session: session() }).then(function (e) {
      $("conversation-id").textContent = e.conversation_id;
      $("conversation-query").value = e.conversation_id;
      renderReplies($("reply"), e.replies);
      renderExplanation($("explanation"), e);
      $("message").value = "";
    }).catch(function (err) { $("explanation").textContent = err.message; });
  }

  function onBank(ev) {
    if (ev) ev.preventDefault();
    var q = $("bank-query").value || "";
    api("GET", "/staff/api/bank?q=" + encodeURIComponent(q)).then(function (data) {
      $("bank-summary").textContent = data.count + " answers, " + data.stale + " with stale facts";
      var out = $("bank-results");
      clear(out);
      data.entries.forEach(function (e) {
        var box = el("div", null, "entry" + (e.stale ? " stale" : ""));
        box.appendChild(el("p", e.key + (e.variant ? " [" + e.variant + "]" : "") + " \u2014 " + e.file, "key"));
        box.appendChild(el("p", e.text, "reply-text"));
        box.appendChild(sourcesList(e.sources));
        box.appendChild(el("p", "Review: " + reviewText(e.review) + (e.review_matches_text ? "" : " (does NOT match the text)"),
          e.review_matches_text ? "" : "flag"));
        if (e.facts_checked_on) {
          box.appendChild(el("p", "Facts checked on " + e.facts_checked_on + (e.stale ? " (STALE)" : ""), e.stale ? "flag" : ""));
        }
        out.appendChild(box);
      });
    }).catch(function (err) { $("bank-summary").textContent = err.message; });
  }

  function onConversation(ev) {
    ev.preventDefault();
    var id = $("conversation-query").value.trim();
    if (!id) return;
    api("GET", "/staff/api/conversations/" + encodeURIComponent(id)).then(function (data) {
      $("conversation-status").textContent = data.turns.length + " messages";
      var out = $("conversation");
      clear(out);
      data.turns.forEach(function (t) {
        var box = el("div", null, "turn");
        box.appendChild(el("p", "Visitor: " + t.user));
        box.appendChild(el("p", "Intent: " + t.intent + (t.guardrail ? "; guardrail " + t.guardrail.guard + "/" + t.guardrail.kind : "")));
        t.replies.forEach(function (r) { box.appendChild(el("p", "[" + r.answer_key + "] " + r.text, "reply-text")); });
        out.appendChild(box);
      });
    }).catch(function (err) { $("conversation-status").textContent = err.message; });
  }

  function onSave() {
    var id = $("conversation-query").value.trim();
    if (!id) return;
    api("POST", "/staff/api/conversations/" + encodeURIComponent(id) + "/regression-test", {}).then(function (data) {
      $("conversation-status").textContent = "Saved " + data.turns + " messages to " + data.saved_to;
      $("saved-story").textContent = data.story;
    }).catch(function (err) { $("conversation-status").textContent = err.message; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      sessionStorage.setItem(KEY, $("token").value);
      $("token").value = "";
      api("GET", "/staff/api/bank?q=__check__").then(function () {
        showConsole(true);
        $("login-status").textContent = "";
      }).catch(function (err) { if (token()) { $("login-status").textContent = err.message; } });
    });
    $("sign-out").addEventListener("click", function () { signOut(""); });
    $("new-conversation").addEventListener("click", function () {
      $("conversation-id").textContent = newSession();
    });
    $("explain-form").addEventListener("submit", onExplain);
    $("bank-form").addEventListener("submit", onBank);
    $("conversation-form").addEventListener("submit", onConversation);
    $("save-test").addEventListener("click", onSave);
    if (token()) { showConsole(true); }
  });
})();
