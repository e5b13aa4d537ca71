// Inbox: recent conversations with filters; one conversation turn by turn with its verdicts, tags, review
// marks, and "right / wrong" corrections that become tests (the visitor's words shown and confirmed first).
(function () {
  "use strict";
  var S = window.Staff, $ = S.$, el = S.el, clear = S.clear;
  var page = 1, tags = [], current = null;

  function when(seconds) {
    if (!seconds) return "";
    return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
  }

  function filters() {
    var q = ["page=" + page];
    ["outcome", "since", "until", "tag"].forEach(function (name) {
      var v = $("inbox-" + name).value;
      if (v) q.push(name + "=" + encodeURIComponent(v));
    });
    if ($("inbox-unreviewed").checked) q.push("unreviewed=1");
    if ($("inbox-staff").checked) q.push("staff=1");
    return q.join("&");
  }

  function fillTags(list) {
    if (tags.length) return;
    tags = list || [];
    var select = $("inbox-tag");
    tags.forEach(function (t) { var o = el("option", t); o.value = t; select.appendChild(o); });
  }

  function loadInbox() {
    $("inbox-status").textContent = "Loading\u2026";
    S.api("GET", "/staff/api/inbox?" + filters()).then(function (data) {
      fillTags(data.tags);
      var out = $("inbox-list");
      clear(out);
      $("inbox-status").textContent = data.conversations.length
        ? "Page " + data.page + ": " + data.conversations.length + " conversations, newest first."
        : "No conversations match.";
      if (data.conversations.length) {
        var table = el("table", null, "inbox");
        var head = el("tr");
        ["Conversation", "Last message", "Messages", "What happened", "Tags", "Reviewed"].forEach(function (h) {
          var th = el("th", h); th.scope = "col"; head.appendChild(th);
        });
        var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
        var body = el("tbody");
        data.conversations.forEach(function (c) {
          var tr = el("tr", null, c.alarms ? "alarm-row" : "");
          var open = el("button", c.conversation_id, "linklike");
          open.type = "button";
          open.addEventListener("click", function () { openConversation(c.conversation_id); });
          var cell = el("td"); cell.appendChild(open); tr.appendChild(cell);
          tr.appendChild(el("td", when(c.last_at)));
          tr.appendChild(el("td", c.messages));
          var outcomes = Object.keys(c.outcomes).map(function (k) { return k.replace(/_/g, " ") + " \u00d7" + c.outcomes[k]; });
          var what = el("td", (c.alarms ? "RED ALARM \u00d7" + c.alarms + "; " : "") + outcomes.join(", "));
          if (c.alarms) what.className = "flag";
          tr.appendChild(what);
          tr.appendChild(el("td", c.tags.join(", ")));
          tr.appendChild(el("td", c.reviewed + " of " + c.messages));
          body.appendChild(tr);
        });
        table.appendChild(body);
        out.appendChild(table);
      }
      $("inbox-prev").disabled = page <= 1;
      $("inbox-next").disabled = !data.more;
    }).catch(function (err) { $("inbox-status").textContent = err.message; });
  }

  function mark(turn, kind, value, on) {
    var path = "/staff/api/conversations/" + encodeURIComponent(current) + "/turns/" + turn.event_id + "/marks";
    return S.api("POST", path, { kind: kind, value: value, on: on });
  }

  function turnBox(turn, index, turns) {
    var box = el("article", null, "turn" + (turn.verdict.alarm === "red" ? " turn-red" : ""));
    box.appendChild(el("p", "Visitor: " + turn.text, "visitor"));
    box.appendChild(el("p", when(turn.at), "when"));
    box.appendChild(S.verdictBox(turn.verdict));
    turn.replies.forEach(function (r) { box.appendChild(S.replyBox(r)); });

    var tools = el("div", null, "turn-tools");
    var tagGroup = el("fieldset", null, "tags");
    tagGroup.appendChild(el("legend", "Tags"));
    tags.forEach(function (t, n) {
      var id = "tag-" + turn.event_id + "-" + n;
      var input = el("input");
      input.type = "checkbox"; input.id = id; input.checked = turn.tags.indexOf(t) >= 0;
      input.addEventListener("change", function () {
        mark(turn, "tag", t, input.checked).catch(function (err) { input.checked = !input.checked; alert(err.message); });
      });
      var label = el("label", t); label.htmlFor = id;
      var wrap = el("span", null, "check"); wrap.appendChild(input); wrap.appendChild(label);
      tagGroup.appendChild(wrap);
    });
    tools.appendChild(tagGroup);

    var reviewedId = "reviewed-" + turn.event_id;
    var reviewed = el("input"); reviewed.type = "checkbox"; reviewed.id = reviewedId; reviewed.checked = turn.reviewed;
    reviewed.addEventListener("change", function () {
      mark(turn, "reviewed", "", reviewed.checked).catch(function (err) { reviewed.checked = !reviewed.checked; alert(err.message); });
    });
    var rlabel = el("label", "Reviewed" + (turn.reviewed_by ? " (by " + turn.reviewed_by + ")" : "")); rlabel.htmlFor = reviewedId;
    var rwrap = el("p", null, "check"); rwrap.appendChild(reviewed); rwrap.appendChild(rlabel);
    tools.appendChild(rwrap);

    var right = el("button", "This reply was right"); right.type = "button";
    right.addEventListener("click", function () { openCorrection(turns, index, "right"); });
    var wrong = el("button", "This reply was wrong"); wrong.type = "button";
    wrong.addEventListener("click", function () { openCorrection(turns, index, "wrong"); });
    var judge = el("p", null, "judge"); judge.appendChild(right); judge.appendChild(document.createTextNode(" ")); judge.appendChild(wrong);
    tools.appendChild(judge);
    box.appendChild(tools);
    return box;
  }

  function openConversation(id) {
    current = id;
    $("conversation-query").value = id;
    $("correction").hidden = true;
    $("conversation-status").textContent = "Loading\u2026";
    S.api("GET", "/staff/api/conversations/" + encodeURIComponent(id)).then(function (data) {
      fillTags(data.tags);
      var out = $("conversation");
      clear(out);
      $("conversation-status").textContent = data.turns.length + (data.turns.length === 1 ? " message in " : " messages in ") + id;
      data.turns.forEach(function (t, i) { out.appendChild(turnBox(t, i, data.turns)); });
      $("conv-title").scrollIntoView();
    }).catch(function (err) { clear($("conversation")); $("conversation-status").textContent = err.message; });
  }
  S.openConversation = openConversation;

  // The correction panel: what will be saved, word for word, editable, and a confirmation before saving.
  function openCorrection(turns, index, verdict) {
    var panel = $("correction"), body = $("correction-body");
    var turn = turns[index];
    clear(body);
    panel.hidden = false;
    body.appendChild(S.verdictBox(turn.verdict));
    var form = el("form"); form.id = "correction-form";
    var expected = null;
    if (verdict === "wrong") {
      form.appendChild(el("p", "This reply was wrong. Pick the answer it should have given; the test will expect it, " +
        "and will be reported as a known failure (with your note) until the assistant is fixed."));
      var searchLabel = el("label", "Find the right answer (words or key)"); searchLabel.htmlFor = "answer-search";
      var search = el("input"); search.id = "answer-search"; search.type = "search";
      var pickLabel = el("label", "The right answer"); pickLabel.htmlFor = "answer-pick";
      expected = el("select"); expected.id = "answer-pick"; expected.required = true;
      var asked = 0;
      var find = function () {
        var mine = ++asked;  // each keystroke asks again; only the newest question's answers are drawn
        S.api("GET", "/staff/api/answers?q=" + encodeURIComponent(search.value)).then(function (data) {
          if (mine !== asked) return;
          clear(expected);
          data.answers.forEach(function (a) {
            var o = el("option", a.key + ": " + a.text.slice(0, 80)); o.value = a.key; expected.appendChild(o);
          });
        });
      };
      search.addEventListener("input", find);
      find();
      [searchLabel, search, pickLabel, expected].forEach(function (n) { form.appendChild(n); });
      var noteLabel = el("label", "Note: what was wrong (shown when the test is reported)"); noteLabel.htmlFor = "correction-note";
      var note = el("textarea"); note.id = "correction-note"; note.required = true; note.maxLength = 300; note.rows = 2;
      form.appendChild(noteLabel); form.appendChild(note);
    } else {
      form.appendChild(el("p", "This reply was right. The test will expect exactly what the assistant did, so a later change that breaks it fails."));
    }
    var contextLabel = el("label", "Earlier messages to include (the reply may depend on them)"); contextLabel.htmlFor = "correction-context";
    var context = el("select"); context.id = "correction-context";
    for (var n = 0; n <= Math.min(5, index); n++) { var o = el("option", String(n)); o.value = String(n); context.appendChild(o); }
    form.appendChild(contextLabel); form.appendChild(context);

    var texts = el("div"); texts.id = "correction-texts";
    form.appendChild(texts);
    var drawTexts = function () {
      clear(texts);
      texts.appendChild(el("p", "The visitor's words that will be saved. Read them and remove anything that could identify " +
        "someone: names, places, numbers, dates, e-mail addresses. Numbers and e-mail addresses are already replaced.", "hint"));
      var count = parseInt(context.value, 10);
      turns.slice(index - count, index + 1).forEach(function (t) {
        var id = "save-text-" + t.event_id;
        var label = el("label", "Message " + (turns.indexOf(t) + 1)); label.htmlFor = id;
        var area = el("textarea"); area.id = id; area.rows = 2; area.value = t.redaction.suggested; area.dataset.event = t.event_id;
        texts.appendChild(label); texts.appendChild(area);
        if (t.redaction.check.length) {
          texts.appendChild(el("p", "Check these words (names or places?): " + t.redaction.check.join(", "), "flag"));
        }
      });
    };
    context.addEventListener("change", drawTexts);
    drawTexts();

    var confirmId = "correction-confirm";
    var confirm = el("input"); confirm.type = "checkbox"; confirm.id = confirmId; confirm.required = true;
    var clabel = el("label", "I have read the words above and removed anything identifying."); clabel.htmlFor = confirmId;
    var cwrap = el("p", null, "check"); cwrap.appendChild(confirm); cwrap.appendChild(clabel);
    form.appendChild(cwrap);
    var save = el("button", verdict === "wrong" ? "Save as a known-failure test" : "Save as a test"); save.type = "submit";
    form.appendChild(save);
    if (verdict === "wrong") {
      var phrase = el("button", "Add these words to the right answer's training examples"); phrase.type = "button"; phrase.id = "add-phrasing";
      phrase.addEventListener("click", function () {
        if (!confirm.checked) { status.textContent = "Confirm first that you have read and cleaned the words."; return; }
        var area = texts.querySelector("[data-event='" + turn.event_id + "']");
        S.api("POST", "/staff/api/phrasings", { key: expected.value, text: area.value, confirmed: true }).then(function (d) {
          status.textContent = "Added to the training examples of " + d.intent + " (" + d.added_to + "). A maintainer reviews and commits it.";
        }).catch(function (err) { status.textContent = err.message; });
      });
      form.appendChild(document.createTextNode(" "));
      form.appendChild(phrase);
    }
    var status = el("p", null, ""); status.id = "correction-status"; status.setAttribute("role", "status");
    var story = el("pre"); story.id = "saved-story";
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var payload = { verdict: verdict, context: parseInt(context.value, 10), confirmed: confirm.checked, texts: {} };
      texts.querySelectorAll("textarea").forEach(function (a) { payload.texts[a.dataset.event] = a.value; });
      if (verdict === "wrong") { payload.expected = expected.value; payload.note = $("correction-note").value; }
      var path = "/staff/api/conversations/" + encodeURIComponent(current) + "/turns/" + turn.event_id + "/correction";
      S.api("POST", path, payload).then(function (data) {
        status.textContent = "Saved to " + data.saved_to + ". A maintainer reviews and commits it.";
        story.textContent = data.story;
      }).catch(function (err) { status.textContent = err.message; });
    });
    body.appendChild(form);
    body.appendChild(status);
    body.appendChild(story);
    panel.scrollIntoView();
  }

  $("inbox-form").addEventListener("submit", function (ev) { ev.preventDefault(); page = 1; loadInbox(); });
  $("inbox-prev").addEventListener("click", function () { page = Math.max(1, page - 1); loadInbox(); });
  $("inbox-next").addEventListener("click", function () { page += 1; loadInbox(); });
  $("conversation-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var id = $("conversation-query").value.trim();
    if (id) openConversation(id);
  });
  S.onTab["tab-inbox"] = loadInbox;
})();
