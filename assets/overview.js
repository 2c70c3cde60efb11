/* Client-side helpers of the overview page (dash_clientside.overview). */
(function () {
    "use strict";

    var NAME_WIDTH = 270;  // components/grid.py NAME_WIDTH: the asset column's width at 1280 px
    var FITS_AT = 1250;  // the grid width (1280 px window) the default widths are made for
    var NAME_MAX = 460;
    var AUTO_KEY = "qc-portal.overview.name-width";  // the width fitNameColumn last set

    function storedAuto() {
        try {
            return Number(window.localStorage.getItem(AUTO_KEY) || 0);
        } catch (err) {
            return 0;
        }
    }

    function remember(width) {
        try {
            if (width) { window.localStorage.setItem(AUTO_KEY, String(width)); }
            else { window.localStorage.removeItem(AUTO_KEY); }
        } catch (err) { /* storage refused: the width is fitted again next time */ }
    }

    /* The pinned asset column does not flex: in a wider window it takes 40% of the room the
       window adds (up to NAME_MAX), unless the user has set its width (then theirs is kept). */
    function fitNameColumn(api, gridId) {
        var column = api.getColumn("name");
        var root = document.getElementById(gridId);
        if (!column || !root) { return; }
        var current = column.getActualWidth();
        var auto = storedAuto();
        if (auto ? current !== auto : current !== NAME_WIDTH) { return; }  // the user's width
        var extra = Math.max(0, root.clientWidth - FITS_AT);
        var width = Math.round(Math.min(NAME_MAX, NAME_WIDTH + extra * 0.4));
        remember(width);
        if (width !== current) { api.setColumnWidths([{key: "name", newWidth: width}]); }
    }

    /* A first load of the overview (issue 19, "loading the grid's rows before the charts"): the
       grid's code is run early and plotly.js after the grid's first rows. */
    var RELEASE_MS = 4000;  // plotly.js runs by then whatever the grid shows
    // A row with its data (not the grid's empty loading rows), the grid's "no asset" overlay, or
    // the grid's card hidden (components.ids.OVERVIEW_GRID_WRAP: no assets, or the store failed).
    var GRID_DONE = ".asset-grid div[role=gridcell][col-id=name] a, .asset-grid .ag-overlay-no-rows-center, " +
                    "#overview-grid-wrap[hidden]";

    /* Dash's config (its inline JSON, before the scripts), or null. */
    function dashConfig() {
        try {
            return JSON.parse(document.getElementById("_dash-config").textContent);
        } catch (err) {
            return null;
        }
    }

    /* dash-ag-grid's lazily loaded chunk runs now, while the page waits for its layout and the
       pages callback, instead of being fetched when the grid mounts: it only registers its modules,
       and webpack then finds the chunk installed. The URL is the one webpack builds (the public
       path of dash-ag-grid's bundle): a grid mounted before it arrived joins this script. */
    function loadGridChunk() {
        var bundle = document.querySelector("script[src*='/_dash-component-suites/dash_ag_grid/']");
        if (!bundle) { return; }
        var script = document.createElement("script");
        script.src = bundle.src.replace(/[?#].*$/, "").replace(/\/[^\/]+$/, "/") + "async-community.js";
        document.head.appendChild(script);
    }

    /* dcc.Graph loads plotly.js when it mounts, with the grid: evaluating it and drawing the three
       charts held the main thread for ~0.4 s just as the grid's first block came back, and the rows
       were painted after the charts. dcc.Graph waits for `Promise.resolve(window.Plotly || <a script
       of window._dashPlotlyJSURL>)`, so until plotly.js has run window.Plotly is a promise of it: its
       bytes are fetched now (a preload, not run), the script runs once the grid is done (GRID_DONE,
       after that frame is painted), the page is left, or RELEASE_MS passed. plotly.js's own
       `window.Plotly = ...` makes it a plain property again. */
    function deferPlotly(url) {
        var preload = document.createElement("link");
        preload.rel = "preload";
        preload.as = "script";
        preload.href = url;
        document.head.appendChild(preload);

        var started = false;
        var observer = null;
        var timer = null;
        var settle = {};
        var loaded = new Promise(function (resolve, reject) { settle = {resolve: resolve, reject: reject}; });

        function set(value) {
            Object.defineProperty(window, "Plotly", {value: value, writable: true, configurable: true,
                                                     enumerable: true});
        }
        Object.defineProperty(window, "Plotly", {configurable: true, get: function () { return loaded; }, set: set});

        function run() {
            if (started) { return; }
            started = true;
            observer.disconnect();
            window.clearTimeout(timer);
            window.removeEventListener("popstate", release);
            window.removeEventListener("_dashprivate_pushstate", release);
            var script = document.createElement("script");
            script.src = url;
            script.onload = function () {
                var plotly = Object.getOwnPropertyDescriptor(window, "Plotly");
                if (plotly.get) {  // it ran without setting window.Plotly: dcc.Graph says so
                    set(undefined);
                    settle.reject(new Error("plotly.js did not set window.Plotly"));
                } else {
                    settle.resolve(plotly.value);
                }
            };
            script.onerror = function () {
                set(undefined);
                settle.reject(new Error("plotly.js did not load"));
            };
            document.body.appendChild(script);
        }

        function release() {  // after the frame that paints the rows
            window.requestAnimationFrame(function () { window.setTimeout(run, 0); });
        }

        observer = new MutationObserver(function () {
            if (document.querySelector(GRID_DONE)) { observer.disconnect(); release(); }
        });
        observer.observe(document.documentElement, {childList: true, subtree: true});
        timer = window.setTimeout(run, RELEASE_MS);
        window.addEventListener("popstate", release);
        window.addEventListener("_dashprivate_pushstate", release);
    }

    /* On a first load of the overview (other pages, and a later visit in the same tab, load as
       Dash does). Served locally only: dash-renderer's plotly.js URL is then this one. */
    function firstPaint() {
        var config = dashConfig();
        var prefix = config && config.requests_pathname_prefix;
        if (!prefix || !config.serve_locally || window.location.pathname !== prefix || window.Plotly ||
            !window.Promise || !window.MutationObserver) {
            return;
        }
        loadGridChunk();
        deferPlotly(prefix + "_dash-component-suites/plotly/package_data/plotly.min.js");
    }

    var SORT_CHOSEN = "overview-sort-chosen";  // components.ids.OVERVIEW_SORT_CHOSEN
    var DEFAULT_SORT = "-acquired";  // portal.views.filters_url.DEFAULT_SORT

    /* The grid's sort as a URL key, or null while the grid has no columns (being torn down on a
       page change: getColumnState() then answers undefined). */
    function shownSort(api) {
        var state = api.isDestroyed() ? null : api.getColumnState();
        if (!state) { return null; }
        var sorted = state.filter(function (c) { return c.sort; });
        if (!sorted.length) { return DEFAULT_SORT; }  // no column sorted: the store's default order
        sorted.sort(function (a, b) { return (a.sortIndex || 0) - (b.sortIndex || 0); });
        return (sorted[0].sort === "desc" ? "-" : "") + sorted[0].colId;
    }

    function urlSort() {
        return new URLSearchParams(window.location.search).get("sort") || DEFAULT_SORT;
    }

    function applySortKey(api, key) {
        var shown = shownSort(api);
        if (shown === null || shown === key) { return; }
        var descending = key.charAt(0) === "-";
        api.applyColumnState({state: [{colId: descending ? key.slice(1) : key, sort: descending ? "desc" : "asc"}],
                              defaultState: {sort: null}});
    }

    /* The URL's sort wins: a header click (the user) goes into the URL through the server;
       any other sort change (the column state the browser kept, applied late) is undone. */
    function onSortChanged(api, event) {
        if (event.source === "uiColumnSorted") {
            var sort = shownSort(api);
            if (sort !== null && window.dash_clientside && window.dash_clientside.set_props) {
                window.dash_clientside.set_props(SORT_CHOSEN, {data: {sort: sort, at: Date.now()}});
            }
        } else {
            applySortKey(api, urlSort());
        }
    }

    firstPaint();

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.overview = {
        /* Make the asset grid ask for its rows again (the filters in the URL changed). */
        reloadGrid: function (token, gridId) {
            if (token && window.dash_ag_grid && window.dash_ag_grid.getApiAsync) {
                window.dash_ag_grid.getApiAsync(gridId).then(function (api) {
                    if (api && !api.isDestroyed()) {
                        api.purgeInfiniteCache();
                    }
                });
            }
            return window.dash_clientside.no_update;
        },

        /* The column chooser's choice as the grid's columns: `hide` from the checklist (the asset
           name always shows). Here, not on the server: on a first load the grid asked for its rows
           only after that round trip and a re-make of its columns; now a choice that changes
           nothing (the usual case) changes nothing. */
        chooseColumns: function (visible, columnDefs) {
            if (!Array.isArray(visible) || !Array.isArray(columnDefs)) {
                return window.dash_clientside.no_update;
            }
            var changed = false;
            var next = columnDefs.map(function (column) {
                var hide = column.field !== "name" && visible.indexOf(column.field) < 0;
                if (Boolean(column.hide) === hide) { return column; }
                changed = true;
                return Object.assign({}, column, {hide: hide});
            });
            return changed ? next : window.dash_clientside.no_update;
        },

        /* Show the URL's sort (`-acquired`, `name`) in the grid: on load and on back / forward. */
        applySort: function (key, gridId) {
            if (!key || !gridId || !window.dash_ag_grid || !window.dash_ag_grid.getApiAsync) {
                return window.dash_clientside.no_update;
            }
            window.dash_ag_grid.getApiAsync(gridId).then(function (api) {
                if (api && !api.isDestroyed()) { applySortKey(api, key); }
            });
            return window.dash_clientside.no_update;
        },

        /* Once per grid: fit the asset column to the window, and again when it resizes. */
        setupGrid: function (gridId) {
            if (gridId && window.dash_ag_grid && window.dash_ag_grid.getApiAsync) {
                window.dash_ag_grid.getApiAsync(gridId).then(function (api) {
                    if (!api || api.isDestroyed() || api.__qcSetUp) { return; }
                    api.__qcSetUp = true;
                    // After the persisted column state is applied (it may hold the user's width).
                    window.setTimeout(function () { fitNameColumn(api, gridId); }, 0);
                    api.addEventListener("gridSizeChanged", function () { fitNameColumn(api, gridId); });
                    api.addEventListener("sortChanged", function (event) { onSortChanged(api, event); });
                    applySortKey(api, urlSort());
                    api.addEventListener("columnResized", function (event) {
                        if (event.finished && event.source === "uiColumnResized" && event.column &&
                            event.column.getColId() === "name") {
                            remember(0);  // the user's own width from now on
                        }
                    });
                });
            }
            return window.dash_clientside.no_update;
        }
    };
})();
