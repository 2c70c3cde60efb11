/*
 * The review queue's keys (/review). Only on the review page ([data-review-page]) and
 * never while typing in a field (input, textarea, select, contenteditable) or with a
 * modifier held (the browser's own shortcuts stay).
 *
 * A key becomes data on one of two stores: review-move (j/k/n and the arrows: reading)
 * or review-decide (p/f/Enter/u: writing; the server checks the reviewer's role). Each
 * press names the item it was made on, so the server drops a press meant for an item
 * no longer shown. Presses made while the previous one is on its way are kept (a few)
 * and sent once the next item is shown: a fast reviewer loses none and decides no
 * metric twice.
 */
(function () {
  "use strict";

  var MOVES = { j: "next", ArrowDown: "next", ArrowRight: "next", n: "skip",
                k: "prev", ArrowUp: "prev", ArrowLeft: "prev" };
  var DECIDES = { p: "pass", f: "fail", u: "undo", Enter: "confirm" };
  var MAX_WAITING = 5;
  var waiting = [];
  var sentFor = null;  // the item (asset + key + render) a press was sent for, until it changes
  var sentAt = 0;
  var PATIENCE = 5000;  // ms: a press the server answered with nothing (first item, k) frees the keys then
  var chosen = null;  // the dropdown option chosen with 1-9 on the item shown

  function root() { return document.querySelector("[data-review-page]"); }
  function item() { return document.querySelector("[data-review-item]"); }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function stamp(node) {
    return node ? node.getAttribute("data-asset") + "\u0000" + node.getAttribute("data-metric-key") +
      "\u0000" + (node.getAttribute("data-render") || "") : null;
  }

  function toggleHelp(force) {
    var help = document.getElementById("review-help");
    if (!help) { return; }
    help.hidden = force === undefined ? !help.hidden : !force;
  }

  function choose(number) {
    var node = item();
    var count = node ? parseInt(node.getAttribute("data-options") || "0", 10) : 0;
    if (!count || number > count) { return; }
    chosen = number;
    node.querySelectorAll("[data-option]").forEach(function (li) {
      li.classList.toggle("chosen", li.getAttribute("data-option") === String(number));
    });
  }

  function send(store, action) {
    var node = item();
    if (!node || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
    sentFor = stamp(node);
    sentAt = Date.now();
    var data = { action: action, at: Date.now(),
                 item: [node.getAttribute("data-asset"), node.getAttribute("data-metric-key")] };
    if (chosen !== null) { data.option = chosen; }
    window.dash_clientside.set_props(store, { data: data });
  }

  function act(key) {
    if (key === "o") {
      var node = item();
      if (node && node.getAttribute("data-asset-href")) { window.location.assign(node.getAttribute("data-asset-href")); }
      return;
    }
    if (MOVES[key]) { send("review-move", MOVES[key]); } else if (DECIDES[key]) { send("review-decide", DECIDES[key]); }
  }

  function busy() {
    return sentFor !== null && sentFor === stamp(item()) && Date.now() - sentAt < PATIENCE;
  }

  document.addEventListener("keydown", function (event) {
    if (!root() || typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    watch();
    var key = event.key;
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === "Escape") { toggleHelp(false); return; }
    if (/^[1-9]$/.test(key)) { choose(parseInt(key, 10)); event.preventDefault(); return; }
    if (!(key in MOVES) && !(key in DECIDES) && key !== "o") { return; }
    event.preventDefault();  // arrows would scroll, Enter would press a focused link
    if (busy()) {
      if (waiting.length < MAX_WAITING) { waiting.push(key); }
      return;
    }
    act(key);
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".review-help-toggle");
    if (toggle && root()) { toggleHelp(); }
  });

  // Each render replaces the item: a new item (or the same one re-rendered) ends the wait.
  function watch() {
    var container = document.getElementById("review-item");
    if (!container || container.__qcWatched) { return; }
    container.__qcWatched = true;
    new MutationObserver(function () {
      var node = item();
      if (node && stamp(node) === sentFor) { return; }
      sentFor = null;
      chosen = null;
      var next = waiting.shift();
      if (next !== undefined) { act(next); }
    }).observe(container, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-render"] });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    qcReview: {
      // The position in the URL without a reload: a reload or a shared link resumes here.
      syncUrl: function (state) {
        if (state && typeof state.search === "string" && window.location.pathname.endsWith("/review")) {
          window.history.replaceState(window.history.state, "", window.location.pathname + state.search);
        }
        return null;
      }
    }
  });
}());
