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
