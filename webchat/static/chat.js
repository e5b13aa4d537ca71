/* The web chat. Plain JavaScript, no dependencies, no third-party request, no cookies, no analytics.
 *
 * Safety rules kept here:
 * - everything the assistant says comes from the server's replies; bot and visitor text is only ever
 *   put in the page with textContent (never innerHTML);
 * - only https links (and the assistant's own pages, such as /about) that come from an answer's metadata
 *   (its sources) are clickable;
 * - the "In crisis?" link comes from the hotline directory (/webchat/config.json), never typed here;
 * - after a crisis reply its contacts stay pinned until the conversation is cleared or the tab closed;
 * - the conversation lives in sessionStorage (survives a reload, not the closing of the tab), or
 *   nowhere with ?storage=none.
 *
 * Page settings (query string of `/`, set by embed.js from the <script data-*> attributes):
 *   region=us|ca|uk|...  title=...  color=#1d4f7a  exit=https://...  storage=session|none  embed=1
 */
(function () {
  "use strict";

  var ENDPOINT = "/webhooks/rest/webhook";
  var CONFIG_URL = "/webchat/config.json";
  var STORAGE_KEY = "ptsd-webchat:v1";
  var TIMEOUT_MS = 15000;
  var DEFAULT_EXIT = "https://www.weather.gov/";
  var MAX_TITLE = 80;

  var $ = function (id) { return document.getElementById(id); };
  var el = {};
  var settings, state, config = null, welcome = null, busy = false;

  /* ---------- settings ---------- */

  function safeExitUrl(raw) {
    if (!raw) return DEFAULT_EXIT;
    try {
      var url = new URL(raw, window.location.href);
      if (url.protocol === "https:" || url.origin === window.location.origin) return url.href;
    } catch (e) { /* not a URL */ }
    return DEFAULT_EXIT;
  }

  function readSettings() {
    var params = new URLSearchParams(window.location.search);
    var embedded = false;
    try { embedded = window.self !== window.top; } catch (e) { embedded = true; }
    var color = params.get("color") || "";
    return {
      region: (params.get("region") || "").trim().toLowerCase(),
      title: (params.get("title") || "").trim().slice(0, MAX_TITLE),
      color: /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color) ? color : "",
      exitUrl: safeExitUrl(params.get("exit")),
      storage: params.get("storage") === "none" ? "none" : "session",
      embedded: embedded || params.get("embed") === "1"
    };
  }

  /* WCAG relative luminance and contrast, to keep custom colours readable (4.5:1). */
  function luminance(hex) {
    var h = hex.replace("#", "");
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var rgb = [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function applyLook() {
    if (settings.title) {
      el.title.textContent = settings.title;
      document.title = settings.title;
    }
    if (settings.color) {
      var root = document.documentElement.style;  // CSSOM, allowed under style-src 'self'
      var onAccent = contrast(settings.color, "#ffffff") >= contrast(settings.color, "#111111") ? "#ffffff" : "#111111";
      root.setProperty("--accent", settings.color);
      root.setProperty("--on-accent", onAccent);
      root.setProperty("--accent-text", contrast(settings.color, "#ffffff") >= 4.5 ? settings.color : "#1b1f23");
    }
    applyPrivacyNote();
  }

  // Says where the chat is kept: in this tab (or nowhere) on this device, and on the service until it
  // deletes old conversations (RETENTION_DAYS, from /webchat/config.json).
  function applyPrivacyNote() {
    var here = settings.storage === "none"
      ? "No cookies. This page forgets the chat when you leave or reload it."
      : "No cookies. This tab keeps the chat until you close it.";
    var days = config && Number(config.retention_days);
    var server = days > 0
      ? " The service deletes conversations after " + days + " day" + (days === 1 ? "" : "s") + "."
      : " The service deletes old conversations.";
    el.privacyNote.textContent = here + server;
  }

  /* ---------- the crisis link, from the hotline directory ---------- */

  function safeHref(href) {
    return typeof href === "string" && /^(tel:|https:)/.test(href) ? href : null;
  }

  function currentRegion() {
    var fromPage = settings.region || "";
    if (config && config.regions) {
      if (config.regions[fromPage]) return fromPage;
      return config.default_region;
    }
    return fromPage || el.crisisLink.getAttribute("data-region") || "";
  }

  function applyCrisisLink() {
    if (!config || !config.regions) return;
    var region = config.regions[currentRegion()];
    if (!region || !region.header) return;
    var href = safeHref(region.header.href);
    el.crisisLink.textContent = String(region.header.label || "");
    if (href) el.crisisLink.setAttribute("href", href);
    el.crisisLink.setAttribute("data-region", currentRegion());
    el.crisisLink.hidden = false;
  }

  function loadConfig() {
    return window.fetch(CONFIG_URL, { credentials: "omit", cache: "no-cache" })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (data && data.regions) { config = data; applyCrisisLink(); applyPrivacyNote(); }
        if (data && data.welcome) {
          welcome = cleanEntry({ who: "bot", text: data.welcome.text, buttons: data.welcome.buttons, metadata: data.welcome.metadata });
          updateHint();
        }
        document.documentElement.setAttribute("data-config", config ? "loaded" : "failed");
      })
      .catch(function () {  // the server-rendered link stays
        document.documentElement.setAttribute("data-config", "failed");
      });
  }

  /* ---------- state and storage ---------- */

  function newSender() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function freshState() {
    return { v: 1, sender: newSender(), regionSent: false, entries: [], pinned: null, pending: null };
  }

  function save() {
    if (settings.storage !== "session") return;
    try { window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch (e) { /* full or off */ }
  }

  function load() {
    if (settings.storage !== "session") return freshState();
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      if (saved && saved.v === 1 && typeof saved.sender === "string" && saved.sender.length > 0 &&
          saved.sender.length <= 128 && Array.isArray(saved.entries)) {
        return {
          v: 1,
          sender: saved.sender,
          regionSent: saved.regionSent === true,
          entries: saved.entries.map(cleanEntry).filter(Boolean),
          pinned: saved.pinned && typeof saved.pinned.text === "string" ? { text: saved.pinned.text } : null,
          pending: typeof saved.pending === "string" ? saved.pending : null
        };
      }
    } catch (e) { /* unreadable: start again */ }
    return freshState();
  }

  function forget() {
    try { window.sessionStorage.removeItem(STORAGE_KEY); } catch (e) { /* nothing stored */ }
  }

  /* Keep only the fields the page shows, with the types it expects. */
  function str(value) { return typeof value === "string" ? value : (typeof value === "number" ? String(value) : ""); }

  function cleanMetadata(meta) {
    if (!meta || typeof meta !== "object") return {};
    var out = {};
    if (typeof meta.answer_key === "string") out.answer_key = meta.answer_key;
    if (Array.isArray(meta.sources)) {
      out.sources = meta.sources.filter(function (s) { return s && typeof s === "object"; }).map(function (s) {
        return { title: str(s.title), publisher: str(s.publisher), year: str(s.year), url: str(s.url) };
      });
    }
    if (typeof meta.facts_checked_on === "string") out.facts_checked_on = meta.facts_checked_on;
    var table = cleanTable(meta.table);
    if (table) out.table = table;
    if (meta.review && typeof meta.review === "object") {
      out.review = { checked_on: str(meta.review.checked_on), clinical_review: str(meta.review.clinical_review) };
    }
    return out;
  }

  /* A comparison answer's table: a caption, column headers, rows of plain strings, a closing note. */
  function cleanTable(table) {
    if (!table || typeof table !== "object" || !Array.isArray(table.columns) || !Array.isArray(table.rows)) return null;
    var width = table.columns.length;
    var rows = table.rows.filter(function (r) { return Array.isArray(r) && r.length === width; })
      .map(function (r) { return r.map(str); });
    if (width < 2 || !rows.length) return null;
    return { caption: str(table.caption), columns: table.columns.map(str), rows: rows, note: str(table.note) };
  }

  function cleanEntry(entry) {
    if (!entry || (entry.who !== "user" && entry.who !== "bot")) return null;
    var out = { who: entry.who, text: str(entry.text) };
    if (entry.who === "bot") {
      if (Array.isArray(entry.buttons)) {
        out.buttons = entry.buttons.filter(function (b) { return b && typeof b.payload === "string"; })
          .map(function (b) { return { title: str(b.title) || b.payload, payload: b.payload }; });
      }
      out.metadata = cleanMetadata(entry.metadata);
    }
    return out.text || (out.buttons && out.buttons.length) ? out : null;
  }

  /* ---------- rendering (textContent only) ---------- */

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Lines starting "- " become a list; other lines become paragraphs. */
  function renderText(container, text) {
    var list = null;
    String(text).split("\n").forEach(function (line) {
      if (/^\s*[-•]\s+/.test(line)) {
        if (!list) { list = make("ul"); container.appendChild(list); }
        list.appendChild(make("li", null, line.replace(/^\s*[-•]\s+/, "")));
      } else if (line.trim()) {
        list = null;
        container.appendChild(make("p", null, line));
      }
    });
  }

  // https addresses, and the assistant's own pages ("/about"), resolved against the page's own origin.
  function httpsUrl(raw) {
    try {
      if (typeof raw === "string" && /^\/(?!\/)/.test(raw)) return new URL(raw, window.location.origin).href;
      var url = new URL(raw);
      return url.protocol === "https:" ? url.href : null;
    } catch (e) { return null; }
  }

  // "signed: Name, credential 2026-12-01 <fingerprint>" reads as "signed by Name, credential on 2026-12-01".
  function clinicalText(value) {
    var signed = /^signed: (.+) (\d{4}-\d{2}-\d{2}) [0-9a-f]{64}$/.exec(value);
    return signed ? "signed by " + signed[1] + " on " + signed[2] : value;
  }

  function renderSources(meta) {
    var sources = meta.sources || [];
    var review = meta.review || {};
    if (!sources.length && !review.checked_on && !meta.facts_checked_on) return null;
    var details = make("details", "sources");
    details.appendChild(make("summary", null, sources.length ? "Sources (" + sources.length + ")" : "Sources"));
    var body = make("div", "sources-body");
    if (sources.length) {
      var list = make("ul");
      sources.forEach(function (s) {
        var item = make("li");
        var href = httpsUrl(s.url);
        var title = s.title || s.url || "Source";
        if (href) {
          var link = make("a", null, title);
          link.href = href;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          item.appendChild(link);
        } else {
          item.appendChild(make("span", null, title));
        }
        var rest = [s.publisher, s.year ? "(" + s.year + ")" : ""].filter(Boolean).join(" ");
        if (rest) item.appendChild(document.createTextNode(". " + rest + "."));
        if (href) item.appendChild(make("span", "visually-hidden", " (opens in a new tab)"));
        list.appendChild(item);
      });
      body.appendChild(list);
    }
    var dates = [];
    if (review.checked_on) dates.push("Answer checked on " + review.checked_on + ".");
    if (meta.facts_checked_on) dates.push("Facts that change checked on " + meta.facts_checked_on + ".");
    if (review.clinical_review) dates.push("Clinical review: " + clinicalText(review.clinical_review) + ".");
    if (dates.length) body.appendChild(make("p", "review", dates.join(" ")));
    details.appendChild(body);
    return details;
  }

  /* Side by side, as the VA Decision Aid's chart: a header row, then one row per question. */
  function renderTable(container, table) {
    var wrap = make("div", "table-wrap");
    wrap.setAttribute("tabindex", "0");  // scrollable on a phone: reachable by keyboard
    var t = make("table", "compare");
    t.appendChild(make("caption", null, table.caption));
    var head = make("thead");
    var headRow = make("tr");
    table.columns.forEach(function (name, i) {
      var th = make("th", null, i === 0 ? "" : name);
      th.scope = "col";
      if (i === 0) th.appendChild(make("span", "visually-hidden", "Question"));
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    t.appendChild(head);
    var body = make("tbody");
    table.rows.forEach(function (row) {
      var tr = make("tr");
      row.forEach(function (cell, i) {
        var node = make(i === 0 ? "th" : "td", null, cell);
        if (i === 0) node.scope = "row";
        tr.appendChild(node);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    container.appendChild(wrap);
    if (table.note) container.appendChild(make("p", null, table.note));
  }

  function isCrisisKey(key) { return typeof key === "string" && key.indexOf("guard_crisis_") === 0; }
  function isContactsKey(key) { return typeof key === "string" && key.indexOf("contacts_") === 0; }

  function renderEntry(entry, withButtons) {
    var wrap = make("div", "msg " + (entry.who === "user" ? "msg-user" : "msg-bot"));
    var key = entry.metadata && entry.metadata.answer_key;
    if (entry.who === "bot" && (isCrisisKey(key) || isContactsKey(key))) wrap.className += " msg-crisis";
    if (key) wrap.setAttribute("data-answer-key", key);
    var bubble = make("div", "bubble");
    bubble.appendChild(make("span", "visually-hidden", entry.who === "user" ? "You said: " : "Assistant: "));
    if (entry.who === "bot" && entry.metadata && entry.metadata.table) {
      bubble.className += " bubble-table";
      renderTable(bubble, entry.metadata.table);
    } else {
      renderText(bubble, entry.text);
    }
    wrap.appendChild(bubble);
    if (entry.who === "bot") {
      var sources = renderSources(entry.metadata || {});
      if (sources) wrap.appendChild(sources);
      if (withButtons && entry.buttons && entry.buttons.length) wrap.appendChild(renderButtons(entry.buttons));
    }
    return wrap;
  }

  function renderButtons(buttons) {
    var group = make("div", "quick-replies");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    buttons.forEach(function (b) {
      var button = make("button", "quick-reply", b.title);
      button.type = "button";
      button.addEventListener("click", function () {
        if (busy) return;
        el.input.focus();
        send(b.payload);
      });
      group.appendChild(button);
    });
    return group;
  }

  function removeQuickReplies() {
    Array.prototype.slice.call(el.log.querySelectorAll(".quick-replies")).forEach(function (node) {
      node.parentNode.removeChild(node);
    });
  }

  /* The welcome (the bank's greeting, from config.json) opens an empty conversation, with starter topics. */
  function updateHint() {
    var empty = state.entries.length === 0;
    var old = el.log.querySelector(".welcome");
    if (old) old.parentNode.removeChild(old);
    el.hint.hidden = !empty || Boolean(welcome);
    if (welcome) {
      var node = renderEntry(welcome, empty);
      node.className = "welcome";  // not a .msg: it is the page's greeting, not part of the conversation
      el.log.insertBefore(node, el.log.firstChild);
    }
  }

  function renderPinned() {
    el.panelBody.textContent = "";
    if (state.pinned && state.pinned.text) {
      renderText(el.panelBody, state.pinned.text);
      el.panel.hidden = false;
    } else {
      el.panel.hidden = true;
    }
  }

  function prefersReducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  /* Show the start of a long answer, otherwise the newest line. */
  function scrollTo(first) {
    var log = el.log;
    if (first && first.offsetHeight > 0 && log.scrollHeight - first.offsetTop + log.offsetTop > log.clientHeight) {
      log.scrollTop = first.offsetTop - log.offsetTop - 8;
    } else {
      log.scrollTop = log.scrollHeight;
    }
  }

  /* Quick replies belong to the assistant's latest turn: its last message that has any (a fallback's topic
     buttons come before the one-line help pointer that follows it). */
  function buttonsAt(entries, from) {
    for (var i = entries.length - 1; i >= from; i--) {
      if (entries[i].who === "user") return -1;
      if (entries[i].buttons && entries[i].buttons.length) return i;
    }
    return -1;
  }

  function renderAll() {
    Array.prototype.slice.call(el.log.querySelectorAll(".msg")).forEach(function (n) { n.parentNode.removeChild(n); });
    var withButtons = buttonsAt(state.entries, 0);
    state.entries.forEach(function (entry, i) { el.log.appendChild(renderEntry(entry, i === withButtons)); });
    updateHint();
    renderPinned();
    scrollTo(null);
  }

  function append(entries) {
    removeQuickReplies();
    var first = null;
    var withButtons = buttonsAt(entries, 0);
    entries.forEach(function (entry, i) {
      state.entries.push(entry);
      var node = renderEntry(entry, i === withButtons);
      el.log.appendChild(node);
      if (!first) first = node;
    });
    updateHint();
    save();
    return first;
  }

  /* ---------- errors ---------- */

  function showError(message) {
    el.errorText.textContent = message;
    el.error.hidden = false;
  }
  function hideError() {
    if (el.error.contains(document.activeElement)) el.input.focus();
    el.error.hidden = true;
  }
  function setTyping(on) {
    el.typing.hidden = !on;
    el.log.setAttribute("aria-busy", on ? "true" : "false");  // screen readers hear the batch at once
    if (on) el.log.scrollTop = el.log.scrollHeight;
  }

  /* ---------- sending ---------- */

  function send(text, retry) {
    text = typeof text === "string" ? text.trim() : "";
    if (!text || busy) return Promise.resolve();  // ignore empty input
    busy = true;
    hideError();
    if (!retry) {
      var first = append([{ who: "user", text: text }]);
      scrollTo(first);
    }
    state.pending = text;
    save();
    setTyping(true);

    var body = { sender: state.sender, message: text };
    if (!state.regionSent) body.metadata = { region: currentRegion() || "" };  // first message only
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timedOut = false;
    var timer = window.setTimeout(function () { timedOut = true; if (controller) controller.abort(); }, TIMEOUT_MS);

    return window.fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      signal: controller ? controller.signal : undefined
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (err) {
          throw { status: res.status, detail: err && typeof err.detail === "string" ? err.detail : "" };
        });
      }
      return res.json();
    }).then(function (replies) {
      if (timedOut) throw { timeout: true };
      if (!Array.isArray(replies)) throw { status: 502 };
      state.regionSent = true;
      state.pending = null;
      receive(replies);
    }).catch(function (error) {
      error = error || {};
      var message;
      if (timedOut || error.timeout) {
        message = "The assistant is taking too long to answer. Your message was kept: press Retry to send it again.";
      } else if (error.status >= 400 && error.status < 500) {
        message = "The assistant could not take this message (error " + error.status + ")." +
          (error.detail ? " " + error.detail : "") + " You can edit it and send again, or press Retry.";
      } else if (error.status >= 500) {
        message = "The assistant had a problem answering (error " + error.status + "). Press Retry to try again.";
      } else {
        message = "The assistant cannot be reached. Check your connection, then press Retry.";
      }
      showError(message);
    }).then(function () {
      window.clearTimeout(timer);
      busy = false;
      setTyping(false);
      save();
    });
  }

  function receive(replies) {
    var entries = replies.map(function (r) {
      return cleanEntry({ who: "bot", text: r && r.text, buttons: r && r.buttons, metadata: r && r.metadata });
    }).filter(Boolean);
    var crisis = entries.some(function (e) { return isCrisisKey(e.metadata.answer_key); });
    var contacts = entries.filter(function (e) { return isContactsKey(e.metadata.answer_key); });
    if (crisis && contacts.length) {
      state.pinned = { text: contacts.map(function (e) { return e.text; }).join("\n") };
    }
    var first = append(entries);
    renderPinned();
    scrollTo(first);
  }

  /* ---------- controls ---------- */

  function clearConversation() {
    forget();
    state = freshState();
    hideError();
    renderAll();
    save();
    el.status.textContent = "Conversation cleared.";
    el.input.value = "";
    el.input.focus();
  }

  function quickExit() {
    try { window.sessionStorage.clear(); } catch (e) { /* nothing stored */ }
    state = freshState();
    document.title = "";
    if (el.app && el.app.parentNode) el.app.parentNode.removeChild(el.app);
    if (settings.embedded && window.parent && window.parent !== window) {
      // embed.js, on the host page, sends the whole tab to the host's exit address
      try { window.parent.postMessage({ type: "ptsd-chat:quick-exit" }, "*"); } catch (e) { /* no host */ }
      // the chat is already off the screen; blank the frame only once the host had time to read the message,
      // so the frame's own navigation never races it (a host without embed.js still ends on a blank frame)
      window.setTimeout(function () { window.location.replace("about:blank"); }, 250);
    } else {
      window.location.replace(settings.exitUrl);
    }
  }

  function autosize() {
    el.input.style.height = "auto";
    el.input.style.height = Math.min(el.input.scrollHeight + 4, 128) + "px";
  }

  function start() {
    el = {
      app: $("app"), title: $("chat-title"), crisisLink: $("crisis-link"), exit: $("quick-exit"),
      clear: $("clear-chat"), log: $("log"), hint: $("empty-hint"), typing: $("typing"),
      panel: $("crisis-panel"), panelBody: $("crisis-panel-body"), error: $("error"),
      errorText: $("error-text"), retry: $("retry"), form: $("composer"), input: $("message"),
      send: $("send"), status: $("status"), privacyNote: $("privacy-note")
    };
    settings = readSettings();
    if (settings.storage === "none") forget();
    applyLook();
    state = load();
    renderAll();
    if (state.pending) {
      showError("Your last message was not answered. Press Retry to send it again.");
    }
    loadConfig();

    el.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = el.input.value;
      if (!text.trim() || busy) return;
      el.input.value = "";
      autosize();
      send(text);
    });
    el.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        el.form.requestSubmit ? el.form.requestSubmit() : el.send.click();
      }
    });
    el.input.addEventListener("input", autosize);
    el.retry.addEventListener("click", function () { if (state.pending) send(state.pending, true); else hideError(); });
    el.clear.addEventListener("click", clearConversation);
    el.exit.addEventListener("click", quickExit);
    window.addEventListener("message", function (event) {
      if (event.data && event.data.type === "ptsd-chat:focus") el.input.focus();
    });
    if (prefersReducedMotion()) el.log.classList.add("reduced-motion");
    el.log.setAttribute("aria-busy", "false");
    document.documentElement.setAttribute("data-chat-ready", "1");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
