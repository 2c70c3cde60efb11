/*
 * A metric's timeline: the "Timeline" link of each metric card on the asset page
 * (window.dash_clientside.qcTimeline). A card knows its metric's key but not the asset, so
 * the links' hrefs are made here from the asset shown (the page's detail-asset store) and
 * the app's path prefix: <prefix>asset/<name>/timeline?key=<key>.
 */
(function () {
  "use strict";

  function pathPrefix() {
    var config = document.getElementById("_dash-config");
    if (config) {
      try {
        return JSON.parse(config.textContent).requests_pathname_prefix || "/";
      } catch (err) {
        return "/";
      }
    }
    return "/";
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    qcTimeline: {
      links: function (linkIds, asset) {
        var ids = linkIds || [];
        if (!asset || !asset.name) {
          return ids.map(function () { return null; });
        }
        var base = pathPrefix() + "asset/" + encodeURIComponent(asset.name) + "/timeline?key=";
        return ids.map(function (id) { return base + encodeURIComponent(id.key); });
      }
    }
  });
})();
