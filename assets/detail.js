/*
 * Asset detail page behaviour that lives in the browser:
 * - clientside callbacks (window.dash_clientside.qcDetail): highlight the selected
 *   navigator node, keep the URL in step with the view, fetch and draw spec viewers
 *   (plotly -> dcc.Graph figure; vega / vega-lite -> vendored vega-embed, loaded on
 *   first use from assets/vendor/vega, never from a CDN; a plotly figure whose traces the
 *   portal's own plotly.js bundle lacks loads the full bundle first: assets/vendor/plotly),
 *   draw the metric cards' distributions (drawContext);
 * - delegated listeners for swipe comparisons and full-screen buttons;
 * - embedded viewers whose host does not answer say so (probe, below).
 * No eval: vega draws with its expression interpreter (ast: true).
 */
(function () {
  "use strict";

  var VEGA_FILES = ["vega.min.js", "vega-lite.min.js", "vega-interpreter.min.js", "vega-embed.min.js"];
  var vegaLoading = null;

  function pathPrefix() {
    var prefix = "/";
    var config = document.getElementById("_dash-config");
    if (config) {
      try {
        prefix = JSON.parse(config.textContent).requests_pathname_prefix || "/";
      } catch (err) {
        prefix = "/";
      }
    }
    return prefix;
  }

  function assetUrl(path) {
    return pathPrefix() + "assets/" + path;
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.async = false;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function loadVega() {
    if (window.vegaEmbed && window.vega && window.vega.expressionInterpreter) {
      return Promise.resolve();
    }
    if (!vegaLoading) {
      vegaLoading = VEGA_FILES.reduce(function (chain, file) {
        return chain.then(function () { return loadScript(assetUrl("vendor/vega/" + file)); });
      }, Promise.resolve());
    }
    return vegaLoading;
  }

  // plotly.js as dcc.Graph loads it (portal/ops/plotly_bundle.py): the portal's bundle, which
  // lists its traces in window.qcPlotlyTraces; `?bundle=full` at the same URL is plotly.js whole.
  var fullPlotly = null;

  function plotlyLoaded() {
    return new Promise(function (resolve, reject) {
      var waited = 0;
      (function poll() {
        // Not a promise: assets/overview.js's stand-in while plotly.js loads after the grid's rows.
        if (window.Plotly && typeof window.Plotly.then !== "function") { resolve(); return; }
        waited += 50;
        if (waited > 30000) { reject(new Error("plotly.js did not load")); return; }
        window.setTimeout(poll, 50);
      })();
    });
  }

  /* Resolve once window.Plotly can draw every trace type of `data` (a figure's traces): the
     portal's bundle, or the full bundle loaded now (it replaces window.Plotly, a superset). */
  function ensurePlotlyTraces(data) {
    var types = (data || []).map(function (trace) { return (trace && trace.type) || "scatter"; });
    return plotlyLoaded().then(function () {
      var have = window.qcPlotlyTraces;
      if (!have || types.every(function (type) { return have.indexOf(type) >= 0; })) { return; }
      if (!fullPlotly) {
        fullPlotly = loadScript(pathPrefix() + "_dash-component-suites/plotly/package_data/plotly.min.js?bundle=full")
          .then(function () { window.qcPlotlyTraces = null; });  // the full bundle draws everything
      }
      return fullPlotly;
    });
  }

  window.qcPlotly = { ensureTraces: ensurePlotlyTraces };

  // Dash renders a dict id as JSON with sorted keys.
  function domId(id) {
    return "{" + Object.keys(id).sort().map(function (key) {
      return JSON.stringify(key) + ":" + JSON.stringify(id[key]);
    }).join(",") + "}";
  }

  function isVega(spec) {
    return spec && typeof spec.$schema === "string" && /vega/.test(spec.$schema);
  }

  function isPlotly(spec) {
    return spec && Array.isArray(spec.data) && !isVega(spec);
  }

  var HIDDEN = { display: "none" };
  var SHOWN = { display: "block" };
  var noUpdate = function () { return window.dash_clientside.no_update; };

  function renderSpec(source, vegaId) {
    if (!source || !source.url) {
      return [noUpdate(), HIDDEN, ""];
    }
    return fetch(source.url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("reference not found (" + response.status + ")");
        }
        return response.json();
      })
      .then(function (spec) {
        if (source.kind !== "vega" && isPlotly(spec)) {
          var figure = { data: spec.data, layout: Object.assign({ autosize: true }, spec.layout || {}) };
          if (spec.frames) { figure.frames = spec.frames; }
          return ensurePlotlyTraces(figure.data).then(function () { return [figure, SHOWN, ""]; });
        }
        if (source.kind !== "plotly" && isVega(spec)) {
          return loadVega().then(function () {
            var element = document.getElementById(domId(vegaId));
            if (!element) { return [noUpdate(), HIDDEN, ""]; }
            return window.vegaEmbed(element, fitted(spec), {
              ast: true,
              expr: window.vega.expressionInterpreter,
              renderer: "svg",
              actions: { export: true, source: false, compiled: false, editor: false }
            }).then(function () { return [noUpdate(), HIDDEN, ""]; });
          });
        }
        return [noUpdate(), HIDDEN, "This JSON file is neither a plotly figure nor a vega spec."];
      })
      .catch(function (err) {
        return [noUpdate(), HIDDEN, "Could not draw " + source.url + ": " + err.message];
      });
  }

  // A single vega-lite view is drawn as wide as its column, legend included (a fixed width
  // wider than the column at 1280 px cut the legend off). Other specs keep their size and
  // are scaled down by CSS if they are wider (.ref-vega svg).
  var COMPOUND = ["concat", "hconcat", "vconcat", "facet", "repeat"];
  function fitted(spec) {
    var lite = /vega-lite/.test(spec.$schema);
    var single = COMPOUND.every(function (key) { return !(key in spec); });
    if (!lite || !single) { return spec; }
    return Object.assign({}, spec, { width: "container", autosize: { type: "fit", contains: "padding" } });
  }

  function highlightNode(selected, ids) {
    return (ids || []).map(function (id) {
      return id.node === selected ? "nav-node active" : "nav-node";
    });
  }

  // The view (grouping, filter, node) goes into the URL without reloading the page.
  function syncUrl(grouping, show, node) {
    var params = new URLSearchParams(window.location.search);
    if (Array.isArray(grouping)) {
      params.set("group", grouping.length ? grouping.join("/") : "none");
    }
    if (show && show !== "all") { params.set("show", show); } else { params.delete("show"); }
    if (node) { params.set("node", node); } else { params.delete("node"); }
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(window.history.state, "", url);
    return query;
  }

  /* The metric cards' distributions: components/asset/context.py describes each plot (or the
     note saying why there is none) and this draws it into its card's slot, as plain elements
     and textContent. Not Dash components: Dash 4.4 pays for each element mounted after the page
     in proportion to every element already on it, seconds for 20 cards' plots (issue 19). */
  function element(tag, className, title) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (title) { node.title = title; }
    return node;
  }

  function plotElement(plot) {
    if (plot.note !== undefined) {
      var note = element("span", "text-muted context-note");
      note.textContent = plot.note;
      return note;
    }
    var bins = element("div", "context-bins");
    bins.style.height = plot.height + "px";
    plot.bins.forEach(function (bin) {
      var column = element("div", "context-bin", bin.title);
      bin.segments.forEach(function (segment) {  // [colour, px]: Fail on top, Pass at the bottom
        var box = element("div");
        box.style.height = segment[1] + "px";
        box.style.backgroundColor = segment[0];
        column.appendChild(box);
      });
      bins.appendChild(column);
    });
    var chart = element("div", "context-chart");
    chart.appendChild(bins);
    if (plot.marker) {
      var marker = element("div", "context-marker", plot.marker.title);
      marker.style.left = plot.marker.left;
      chart.appendChild(marker);
    }
    var caption = element("div", "text-muted context-caption");
    ["me-2 context-count", "me-2", "me-2", "context-own"].forEach(function (className, i) {
      var part = element("span", className);
      part.textContent = plot.caption[i];
      caption.appendChild(part);
    });
    var root = element("div", "context-plot", plot.title);
    root.setAttribute("data-context-plot", plot.plot);
    root.setAttribute("data-n", String(plot.n));
    root.appendChild(chart);
    root.appendChild(caption);
    return root;
  }

  // plots: {metric index: plot or note} (callbacks/asset/context.py); slotIds: the slots' ids.
  function drawContext(plots, slotIds) {
    (slotIds || []).forEach(function (id) {
      var plot = plots && plots[String(id.index)];
      var slot = plot && document.getElementById(domId(id));
      var target = slot && slot.querySelector(".context-drawing");
      if (!target) { return; }
      target.replaceChildren(plotElement(plot));
      slot.setAttribute("data-drawn", "true");  // hides "Loading…" (assets/context.css)
    });
    return noUpdate();
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    qcDetail: { renderSpec: renderSpec, highlightNode: highlightNode, syncUrl: syncUrl, drawContext: drawContext }
  });

  // Swipe: the range input covers the pair; its value is where the top image starts.
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target && target.type === "range" && target.closest && target.closest(".swipe-range")) {
      var box = target.closest(".ref-swipe");
      if (box) { box.style.setProperty("--swipe", target.value + "%"); }
    }
  });

  // An embedded viewer whose host does not answer would show the browser's broken-page
  // picture: its host is asked once (no cookies, no referrer; the answer itself is opaque
  // and unread); when it cannot be reached the frame gives way to "Could not load <host>"
  // and its link, and when it stays silent PROBE_MS the message shows beside the frame.
  var PROBE_MS = 15000;
  function probe(box) {
    var frame = box.querySelector("iframe");
    if (!frame || box.getAttribute("data-load-state") || !window.fetch) { return; }
    box.setAttribute("data-load-state", "probing");
    var slow = window.setTimeout(function () {
      if (box.getAttribute("data-load-state") === "probing") { box.setAttribute("data-load-state", "slow"); }
    }, PROBE_MS);
    fetch(frame.getAttribute("src"), { mode: "no-cors", credentials: "omit", cache: "no-store",
                                       referrerPolicy: "no-referrer" })
      .then(function () { box.setAttribute("data-load-state", "answered"); })
      .catch(function () { box.setAttribute("data-load-state", "failed"); })
      .then(function () { window.clearTimeout(slow); });
  }
  function probeAll(root) {
    var boxes = (root.querySelectorAll ? root : document).querySelectorAll(".ref-frame");
    for (var i = 0; i < boxes.length; i += 1) { probe(boxes[i]); }
  }
  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i += 1) {
      for (var j = 0; j < records[i].addedNodes.length; j += 1) {
        var node = records[i].addedNodes[j];
        if (node.nodeType === 1) {
          if (node.classList.contains("ref-frame")) { probe(node); } else { probeAll(node); }
        }
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest(".ref-fullscreen");
    if (!button) { return; }
    var frame = button.closest(".ref-frame");
    if (!frame) { return; }
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (frame.requestFullscreen) {
      frame.requestFullscreen().catch(function () { /* refused by the browser: nothing to do */ });
    }
  });
})();
