/* Client-side helpers of the overview page (dash_clientside.overview). */
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
    }
};
