// The portal's own plotly.js: the core (which holds scatter) and the traces the portal draws.
// assets/detail.js loads the full bundle when a reference figure needs another trace type.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
  require('plotly.js/lib/bar'),
  require('plotly.js/lib/heatmap'),
  require('plotly.js/lib/histogram'),
]);
window.Plotly = Plotly;
window.qcPlotlyTraces = ['scatter', 'bar', 'heatmap', 'histogram'];
