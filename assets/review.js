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
 *
 * Fail reasons: on an item whose project lists reasons (data-reasons > 0), `f` opens the
 * reason picker instead of sending. Then 1-9 choose one of the reasons shown (and send the
 * Fail with it and the comment), any other letter goes to the filter box (type to filter,
 * the matches renumbered, Enter or a click chooses the highlighted one, arrows move it), the
 * comment box is optional (Enter there chooses the highlighted reason too), and Esc leaves a
 * box for the keys, or closes the picker. The server checks the reason again.
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
  var shownAt = Date.now();  // when the item shown appeared (the decision's shown_ms)

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

  function send(store, action, extra) {
    var node = item();
    if (!node || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
    sentFor = stamp(node);
    sentAt = Date.now();
    var data = { action: action, at: Date.now(), shown_ms: Date.now() - shownAt,
                 item: [node.getAttribute("data-asset"), node.getAttribute("data-metric-key")] };
    if (chosen !== null) { data.option = chosen; }
    Object.keys(extra || {}).forEach(function (k) { data[k] = extra[k]; });
    window.dash_clientside.set_props(store, { data: data });
  }

  // -- the fail-reason picker ------------------------------------------------------------
  function panel() { var node = item(); return node && node.querySelector("[data-reason-panel]"); }
  // dcc.Input wraps its <input> in a container carrying the className: find the field itself.
  function filterBox(p) { return p.querySelector(".review-reason-filter input, input.review-reason-filter"); }
  function inFilter(target) { return !!(target && target.closest && target.closest(".review-reason-filter")); }
  function picking() { var p = panel(); return !!(p && !p.hidden); }
  function needsReason() {
    var node = item();
    return !!node && parseInt(node.getAttribute("data-reasons") || "0", 10) > 0;
  }
  function shownReasons() {
    var p = panel();
    return p ? Array.prototype.filter.call(p.querySelectorAll("[data-reason]"), function (li) { return !li.hidden; }) : [];
  }
  function highlight(index) {
    var rows = shownReasons();
    rows.forEach(function (li, i) { li.classList.toggle("highlighted", i === index); });
  }
  function highlighted() {
    var rows = shownReasons();
    for (var i = 0; i < rows.length; i++) { if (rows[i].classList.contains("highlighted")) { return i; } }
    return -1;
  }
  function filterReasons() {
    var p = panel();
    if (!p) { return; }
    var text = (filterBox(p).value || "").trim().toLowerCase();
    var number = 0;
    p.querySelectorAll("[data-reason]").forEach(function (li) {
      var match = !text || li.getAttribute("data-reason").toLowerCase().indexOf(text) !== -1;
      li.hidden = !match;
      if (match) { number += 1; }
      li.querySelector(".review-reason-key").textContent = match && number <= 9 ? String(number) : "";
    });
    p.querySelector(".review-reason-none").hidden = number > 0;
    highlight(text && number ? 0 : -1);
  }
  function openPicker() {
    var p = panel();
    if (!p) { return; }
    p.hidden = false;
    filterReasons();
  }
  function closePicker() { var p = panel(); if (p) { p.hidden = true; } }
  function pickReason(index) {
    var rows = shownReasons();
    if (index < 0 || index >= rows.length) { return false; }
    var p = panel();
    var comment = (p.querySelector(".review-comment").value || "").trim();
    var extra = { reason: rows[index].getAttribute("data-reason") };
    if (comment) { extra.comment = comment; }
    send("review-decide", "fail", extra);
    return true;
  }

  // Keys inside the picker's boxes (the document's handler ignores keys typed in fields).
  document.addEventListener("keydown", function (event) {
    var p = panel();
    if (!p || p.hidden || !p.contains(event.target)) { return; }
    var filter = inFilter(event.target);
    if (event.key === "Escape") { event.target.blur(); event.preventDefault(); return; }
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      if (!pickReason(highlighted() === -1 && filter ? 0 : highlighted())) {
        p.querySelector(".review-reason-help").classList.add("text-danger");
      }
      return;
    }
    if (filter && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      var rows = shownReasons();
      var at = highlighted() + (event.key === "ArrowDown" ? 1 : -1);
      highlight(Math.max(0, Math.min(rows.length - 1, at)));
      event.preventDefault();
    }
  });
  document.addEventListener("input", function (event) {
    if (inFilter(event.target)) { filterReasons(); }
  });

  function act(key) {
    if (key === "o") {
      var node = item();
      if (node && node.getAttribute("data-asset-href")) { window.location.assign(node.getAttribute("data-asset-href")); }
      return;
    }
    if (key === "f" && needsReason()) { openPicker(); return; }
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
    if (key === "Escape") { if (picking()) { closePicker(); } else { toggleHelp(false); } return; }
    if (picking()) {
      if (/^[1-9]$/.test(key)) { event.preventDefault(); if (!busy()) { pickReason(parseInt(key, 10) - 1); } return; }
      if (key === "Enter") { event.preventDefault(); if (!busy()) { pickReason(highlighted()); } return; }
      if (key.length === 1) { filterBox(panel()).focus(); }  // the letter is typed there
      return;
    }
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
    var reason = event.target.closest && event.target.closest("[data-reason]");
    if (reason && picking() && !busy()) { pickReason(shownReasons().indexOf(reason)); }
  });

  // Each render replaces the item: a new item (or the same one re-rendered) ends the wait.
  function watch() {
    var container = document.getElementById("review-item");
    if (!container || container.__qcWatched) { return; }
    container.__qcWatched = true;
    var seen = stamp(item());
    new MutationObserver(function () {
      var node = item();
      var now = stamp(node);
      if (now === seen) { return; }  // the picker filtering its list: still the same render
      seen = now;
      if (node && now === sentFor) { return; }
      sentFor = null;
      chosen = null;
      shownAt = Date.now();
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
