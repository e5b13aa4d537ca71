// "Try a message": the reply a visitor would get, the verdict first, the engineering details behind a toggle.
(function () {
  "use strict";
  var S = window.Staff, $ = S.$, el = S.el, clear = S.clear;
  var SESSION_KEY = "staffConversation";

  function newSession() {
    var id = "console-" + Math.random().toString(36).slice(2, 12);
    sessionStorage.setItem(SESSION_KEY, id);
    return id;
  }
  function session() { return sessionStorage.getItem(SESSION_KEY) || newSession(); }
  // The id the server stores the conversation under: what "Open" in the inbox needs.
  function conversationId(id) { return "staff-" + id; }

  function pair(dl, term, value) {
    dl.appendChild(el("dt", term));
    dl.appendChild(el("dd", value));
  }

  S.detailsBox = function (e) {
    var details = el("details", null, "details");
    details.appendChild(el("summary", "Details for engineers"));
    var dl = el("dl");
    dl.id = "explanation-list";
    pair(dl, "Intent", e.intent.name + " (" + e.intent.confidence.toFixed(3) + ")");
    pair(dl, "Ranking", e.intent_ranking.map(function (r) { return r.name + " " + r.confidence.toFixed(3); }).join(", "));
    pair(dl, "Entities", e.entities.map(function (x) { return x.entity + "=" + x.value + " (" + x.extractor + ")"; }).join(", ") || "none");
    pair(dl, "Slots set", Object.keys(e.slots).map(function (k) { return k + "=" + e.slots[k]; }).join(", ") || "none");
    var g = e.guardrail;
    var guardText = "none fired";
    if (g) {
      guardText = Object.keys(g).sort().filter(function (k) { return g[k] !== null && typeof g[k] !== "object"; })
        .map(function (k) { return k + "=" + g[k]; }).join(", ");
    }
    var gdd = el("dd", guardText);
    gdd.id = "guardrail";
    dl.appendChild(el("dt", "Guardrail"));
    dl.appendChild(gdd);
    if (e.context) {
      pair(dl, "Context", Object.keys(e.context).sort().map(function (k) { return k + "=" + JSON.stringify(e.context[k]); }).join(", "));
    }
    e.actions.forEach(function (a) {
      pair(dl, "Action", a.action + " by " + a.policy + " (" + (a.confidence === null ? "-" : a.confidence.toFixed(3)) + ")" +
        (a.rule ? ", rule \u201c" + a.rule + "\u201d" : ""));
    });
    var fdd = el("dd", e.flags.join(", ") || "none", e.flags.length ? "flag" : "");
    fdd.id = "flags";
    dl.appendChild(el("dt", "Flags"));
    dl.appendChild(fdd);
    details.appendChild(dl);
    return details;
  };

  function onExplain(ev) {
    ev.preventDefault();
    var message = $("message").value;
    if (!message.trim()) return;
    var out = $("try-result");
    out.textContent = "Working\u2026";
    S.api("POST", "/staff/api/explain", { message: message, session: session() }).then(function (e) {
      clear(out);
      $("conversation-id").textContent = e.conversation_id;
      $("conversation-query").value = e.conversation_id;
      out.appendChild(el("p", "Visitor: " + e.message, "visitor"));
      out.appendChild(S.verdictBox(e.verdict));
      var replies = el("div", null, "replies");
      replies.id = "reply";
      e.replies.forEach(function (r) { replies.appendChild(S.replyBox(r)); });
      out.appendChild(replies);
      out.appendChild(S.detailsBox(e));
      $("message").value = "";
    }).catch(function (err) { out.textContent = err.message; });
  }

  function startNew() {
    var id = conversationId(newSession());
    $("conversation-id").textContent = id;
    $("conversation-query").value = id;
    clear($("try-result"));
  }

  $("explain-form").addEventListener("submit", onExplain);
  $("new-conversation").addEventListener("click", startNew);
  S.onSignIn.push(function () {
    $("conversation-id").textContent = conversationId(session());
  });
})();
