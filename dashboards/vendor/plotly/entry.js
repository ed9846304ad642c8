'use strict';
// plotly.js core (scatter, shapes, legends, colour bars, hover, modebar) plus the
// trace types the civicgrid pages draw: bar charts, scattermap points and
// choroplethmap hexagons/polygons. Everything else of the full bundle is left out.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scattermap'),
    require('plotly.js/lib/choroplethmap'),
]);

// Start MapLibre's worker as soon as the bundle runs (MapLibre's own prewarm()), not
// when the first map is drawn: starting it (parsing 0.5 MB of worker code) then
// overlaps the page's first requests, and the worker stays for the next page's map.
// The worker code and MapLibre are the very modules plotly.js's map subplot uses.
var maplibregl = require('maplibre-gl/dist/maplibre-gl.mjs');
var workerSource = require('plotly.js/build/maplibre_worker');

if (typeof Worker !== 'undefined' && typeof URL.createObjectURL === 'function') {
    maplibregl.setWorkerUrl(URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' })));
    maplibregl.prewarm();
}

module.exports = Plotly;
