/*
 * Curation GUIs embedded on the asset page (portal/views/asset/curation.py says when a
 * frame is one). Protocol, as AIND's portal speaks it with its ephys curation GUI:
 *
 *   portal -> frame, once the frame has loaded:
 *     {type: "curation-data", identifier: <metric key>, data: <latest curation>}
 *   frame -> portal, whenever the curator saves:
 *     {type: "curation-data", identifier: <metric key>, data: <new curation>}
 *
 * A message is taken only when its source is that frame's own window AND its origin is
 * the origin of the frame's src, only on a page whose user may annotate, only for the
 * metric the frame is bound to, and only up to MAX_BYTES of JSON. It then goes into
 * the detail-curation-in store; the server checks it all again and records it as an
 * unsaved change. Messages are sent to the frame's origin only (never "*").
 * No eval; document data is read from attributes with JSON.parse and never becomes markup.
 */
(function () {
  "use strict";

  var TYPE = "curation-data";
  var MAX_BYTES = 1000000;  // portal.detail.curation.MAX_BYTES
  var STORE = "detail-curation-in";  // components.ids.DETAIL_CURATION_IN
  var PAGE = "detail-page";  // components.ids.DETAIL_PAGE

  function holderOf(frame) {
    return frame && frame.closest ? frame.closest(".ref-curation") : null;
  }

  function originOf(frame) {
    try {
      return new URL(frame.getAttribute("src"), window.location.href).origin;
    } catch (err) {
      return null;
    }
  }

  function canAnnotate() {
    var page = document.getElementById(PAGE);
    return Boolean(page) && page.getAttribute("data-can-edit") === "true";
  }

  function note(holder, text) {
    var element = holder.querySelector(".ref-curation-note");
    if (element) { element.textContent = text; }
  }

  function send(frame) {
    var holder = holderOf(frame);
    var origin = originOf(frame);
    if (!holder || !frame.contentWindow || !origin || origin === "null") { return; }
    var text = holder.getAttribute("data-curation");
    if (text === null) { return; }  // too large to send: the card says so
    var data;
    try {
      data = JSON.parse(text);
    } catch (err) {
      return;
    }
    frame.contentWindow.postMessage(
      { type: TYPE, identifier: holder.getAttribute("data-curation-key"), data: data }, origin);
  }

  // "load" does not bubble: listen in the capture phase, for every frame added later too.
  document.addEventListener("load", function (event) {
    var target = event.target;
    if (target && target.tagName === "IFRAME" && holderOf(target)) { send(target); }
  }, true);

  function frameOf(source) {
    var frames = document.querySelectorAll(".ref-curation iframe");
    for (var i = 0; i < frames.length; i += 1) {
      if (source && frames[i].contentWindow === source) { return frames[i]; }
    }
    return null;
  }

  window.addEventListener("message", function (event) {
    var frame = frameOf(event.source);
    if (!frame || event.origin !== originOf(frame)) { return; }  // not from a curation frame
    var message = event.data;
    if (!message || typeof message !== "object" || message.type !== TYPE || !("data" in message)) { return; }
    var holder = holderOf(frame);
    var key = holder.getAttribute("data-curation-key");
    if (message.identifier !== key) { return; }  // a frame speaks for its own metric only
    if (!canAnnotate()) {
      note(holder, "Sign in as an annotator to keep curations made here.");
      return;
    }
    var text;
    try {
      text = JSON.stringify(message.data);
    } catch (err) {
      return;
    }
    if (text === undefined) { return; }
    if (new TextEncoder().encode(text).length > MAX_BYTES) {
      note(holder, "The curation sent by this GUI is larger than 1 MB and was not taken.");
      return;
    }
    if (!window.dash_clientside || !window.dash_clientside.set_props) { return; }
    // A fresh copy (no shared references with the frame's object) and a stamp, so that
    // sending the same curation twice still reaches the server.
    window.dash_clientside.set_props(STORE, { data: { key: key, data: JSON.parse(text), at: Date.now() } });
    note(holder, "Curation received: see the unsaved changes above, then Submit.");
  });
})();
