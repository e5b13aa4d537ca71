/* Embed the PTSD treatment chat in any site with ONE tag:
 *
 *   <script src="https://ASSISTANT.HOST/webchat/embed.js" defer
 *           data-region="us" data-title="Questions about PTSD treatment"
 *           data-color="#1d4f7a" data-exit-url="https://www.weather.gov/"
 *           data-storage="session" data-button-label="Questions about PTSD?"></script>
 *
 * Every data-* setting is optional. The script adds a launcher button to the page; the button opens
 * the chat page in an iframe from the assistant's own server (nothing else is loaded, nothing is stored
 * on the host page, no cookies). "Quick exit" inside the chat sends the whole tab to data-exit-url
 * (https, or an address on the host's own site; default https://www.weather.gov/) with
 * location.replace, so the Back button does not return to the chat.
 * Styles are set through the DOM (no inline <style>), so hosts with a strict CSP can use it too.
 */
(function () {
  "use strict";

  var DEFAULT_EXIT = "https://www.weather.gov/";
  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src*='/webchat/embed.js']");
    return all[all.length - 1];
  })();
  if (!script || window.__ptsdChatEmbedded) return;
  window.__ptsdChatEmbedded = true;

  var chatOrigin = new URL(script.src, window.location.href).origin;
  var data = script.dataset || {};

  function exitUrl() {
    try {
      var url = new URL(data.exitUrl || DEFAULT_EXIT, window.location.href);
      if (url.protocol === "https:" || url.origin === window.location.origin) return url.href;
    } catch (e) { /* not a URL */ }
    return DEFAULT_EXIT;
  }

  function validColor(value) { return /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value || "") ? value : ""; }

  function luminance(hex) {
    var h = hex.replace("#", "");
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var rgb = [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }
  function textOn(hex) {  // white or near-black, whichever contrasts more (always >= 4.5:1)
    var l = luminance(hex);
    return (1.05 / (l + 0.05)) >= ((l + 0.05) / (luminance("#111111") + 0.05)) ? "#ffffff" : "#111111";
  }

  var color = validColor(data.color) || "#1d4f7a";
  var title = (data.title || "PTSD treatment questions").slice(0, 80);
  var label = (data.buttonLabel || "Questions about PTSD?").slice(0, 60);

  function chatUrl() {
    var params = new URLSearchParams();
    params.set("embed", "1");
    if (data.region) params.set("region", data.region);
    if (data.title) params.set("title", title);
    if (validColor(data.color)) params.set("color", color);
    if (data.exitUrl) params.set("exit", exitUrl());
    if (data.storage === "none") params.set("storage", "none");
    return chatOrigin + "/?" + params.toString();
  }

  function css(node, styles) { Object.keys(styles).forEach(function (k) { node.style[k] = styles[k]; }); }

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.id = "ptsd-chat-launcher";
  launcher.textContent = label;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "ptsd-chat-frame-box");
  css(launcher, {
    position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483646",
    background: color, color: textOn(color), border: "2px solid " + textOn(color),
    borderRadius: "24px", padding: "12px 18px", minHeight: "48px",
    font: "700 16px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    cursor: "pointer", boxShadow: "0 2px 8px rgba(0,0,0,.35)", maxWidth: "calc(100vw - 32px)"
  });

  var box = document.createElement("div");
  box.id = "ptsd-chat-frame-box";
  box.hidden = true;
  css(box, {
    position: "fixed", right: "16px", bottom: "76px", zIndex: "2147483647",
    width: "400px", maxWidth: "calc(100vw - 16px)", height: "640px", maxHeight: "calc(100vh - 92px)",
    background: "#ffffff", border: "1px solid #57606a", borderRadius: "12px", overflow: "hidden",
    boxShadow: "0 4px 24px rgba(0,0,0,.35)"
  });

  var frame = null;

  function fitSmallScreens() {
    if (window.innerWidth <= 480) {
      css(box, { right: "8px", left: "8px", width: "auto", maxWidth: "none" });
    } else {
      css(box, { left: "auto", right: "16px", width: "400px", maxWidth: "calc(100vw - 16px)" });
    }
  }

  function open() {
    if (!frame) {  // nothing is loaded from the assistant until the visitor asks for the chat
      frame = document.createElement("iframe");
      frame.id = "ptsd-chat-frame";
      frame.title = title;
      frame.src = chatUrl();
      frame.setAttribute("referrerpolicy", "no-referrer");
      frame.setAttribute("allow", "");
      css(frame, { border: "0", width: "100%", height: "100%", display: "block" });
      frame.addEventListener("load", function () {
        try { frame.contentWindow.postMessage({ type: "ptsd-chat:focus" }, chatOrigin); } catch (e) { /* gone */ }
      });
      box.appendChild(frame);
    }
    fitSmallScreens();
    box.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.textContent = "Close chat";
    frame.focus();
    try { frame.contentWindow.postMessage({ type: "ptsd-chat:focus" }, chatOrigin); } catch (e) { /* loading */ }
  }

  function close() {
    box.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.textContent = label;
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (box.hidden) open(); else close(); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !box.hidden) close();
  });
  window.addEventListener("resize", function () { if (!box.hidden) fitSmallScreens(); });

  // "Quick exit" pressed inside the chat: leave for the neutral site, replacing this history entry.
  window.addEventListener("message", function (event) {
    if (event.origin !== chatOrigin || !frame || event.source !== frame.contentWindow) return;
    if (event.data && event.data.type === "ptsd-chat:quick-exit") {
      if (box.parentNode) box.parentNode.removeChild(box);
      window.location.replace(exitUrl());
    }
  });

  function mount() {
    document.body.appendChild(box);
    document.body.appendChild(launcher);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
