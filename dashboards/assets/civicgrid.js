/* Client-side helpers of the civicgrid dashboard (served locally, no CDN). */
(function () {
    var WORLD_M = 40075016.68557849;  /* Web-Mercator width of the world at the equator, metres */

    /* The longest 1-2-5 x 10^n length not above `m` metres (as geo.brief.page.nice_length). */
    function niceLength(m) {
        var e = Math.pow(10, Math.floor(Math.log10(m)));
        return [5, 2, 1].map(function (k) { return k * e; }).filter(function (v) { return v <= m; })[0];
    }

    /* Title, date range (layout.meta.caption, set by the page), scale bar and north arrow
       for the map in `gd` as it is shown now: {annotations, shapes} in paper coordinates. */
    function mapFrame(gd) {
        var full = gd._fullLayout, sub = full.map && full.map._subplot;
        var caption = (gd.layout.meta && gd.layout.meta.caption) || document.title;
        var notes = [{text: '<b>' + caption + '</b>', x: 0.01, y: 0.995, xref: 'paper', yref: 'paper',
                      xanchor: 'left', yanchor: 'top', showarrow: false, font: {size: 16},
                      bgcolor: 'rgba(255,255,255,0.85)', name: 'export-caption'}];
        var shapes = [];
        if (sub && sub.map) {
            var c = sub.map.getCenter(), z = sub.map.getZoom(), w = full.width;
            var perPx = WORLD_M * Math.cos(c.lat * Math.PI / 180) / (512 * Math.pow(2, z));
            var bar = niceLength(perPx * w / 5), frac = bar / perPx / w;
            var x0 = 0.02, y0 = 0.04;
            shapes.push({type: 'line', xref: 'paper', yref: 'paper', x0: x0, x1: x0 + frac, y0: y0, y1: y0,
                         line: {width: 3, color: '#000'}, name: 'export-scale'});
            notes.push({text: bar >= 1000 ? (bar / 1000) + ' km' : bar + ' m', x: x0 + frac / 2, y: y0 + 0.01,
                        xref: 'paper', yref: 'paper', yanchor: 'bottom', showarrow: false,
                        font: {size: 13}, bgcolor: 'rgba(255,255,255,0.85)', name: 'export-scale-label'});
            notes.push({text: '<b>N</b>', x: 0.975, y: 0.86, xref: 'paper', yref: 'paper', showarrow: true,
                        ax: 0, ay: 40, arrowhead: 2, arrowsize: 1.4, arrowwidth: 2, yanchor: 'bottom',
                        font: {size: 14}, name: 'export-north'});
        }
        return {annotations: (gd.layout.annotations || []).concat(notes),
                shapes: (gd.layout.shapes || []).concat(shapes)};
    }

    /* The page's maps (graphs with a map subplot) that are not yet fully drawn: their
       traces added to the map and every source and tile in view loaded. */
    function mapsDrawing() {
        return Array.prototype.filter.call(document.querySelectorAll('#page .js-plotly-plot'), function (gd) {
            var full = gd._fullLayout;
            if (!full || !full.map) { return false; }  /* not a map, or plotly has not run yet */
            var m = full.map._subplot && full.map._subplot.map;
            return !(m && m.loaded() && m.areTilesLoaded() &&
                     m.getStyle().layers.some(function (l) { return l.id.indexOf('plotly-trace-layer') === 0; }));
        });
    }

    /* A promise of `content` once the page's maps are drawn (or after MAP_WAIT_MS if one
       cannot be): a page sends its secondary figures this way, so that on a 2-core machine
       drawing WebGL in software the main thread draws the map first. */
    var MAP_WAIT_MS = 5000;
    function afterMaps(content) {
        var deadline = Date.now() + MAP_WAIT_MS;
        return new Promise(function (resolve) {
            (function check() {
                var drawn = document.querySelector('#page .maplibregl-canvas') && !mapsDrawing().length;
                if (drawn || Date.now() > deadline) {
                    resolve(content);
                } else {
                    window.setTimeout(check, 40);
                }
            })();
        });
    }

    window.civicgridMapFrame = mapFrame;
    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        civicgrid: {
            afterMaps: afterMaps,
            /* The root's class in presentation mode (the `present` store) and out of it. */
            presentClass: function (on) { return on ? 'root present' : 'root'; },
            /* Download the page's first map/graph as a PNG at twice its size, framed with
               its title, date range, scale bar and north arrow. */
            exportPng: function (n) {
                var gd = document.querySelector('#page .js-plotly-plot');
                if (!gd || !window.Plotly) { return window.dash_clientside.no_update; }
                var name = 'civicgrid-' + (window.location.pathname.replace(/\//g, '') || 'overview');
                var frame = mapFrame(gd), sub = gd._fullLayout.map && gd._fullLayout.map._subplot;
                var layout = Object.assign({}, gd.layout, frame);
                if (sub && sub.map) {
                    var c = sub.map.getCenter();
                    layout.map = Object.assign({}, gd.layout.map, {center: {lon: c.lng, lat: c.lat},
                                                                 zoom: sub.map.getZoom()});
                }
                window.Plotly.downloadImage({data: gd.data, layout: layout},
                    {format: 'png', scale: 2, filename: name,
                     width: gd._fullLayout.width, height: gd._fullLayout.height});
                return String(n);
            },
            /* The browser's print dialog (print CSS hides the controls: save as PDF), with
               the first map framed like the PNG while printing. */
            printPage: function (n) {
                var gd = document.querySelector('#page .js-plotly-plot');
                var before = gd && {annotations: gd.layout.annotations || [], shapes: gd.layout.shapes || []};
                var framed = gd && window.Plotly && window.Plotly.relayout ? window.Plotly.relayout(gd, mapFrame(gd))
                                                                          : Promise.resolve();
                framed.then(function () {
                    window.setTimeout(function () {
                        window.print();
                        if (before) { window.Plotly.relayout(gd, before); }
                    }, 50);
                });
                return String(n);
            }
        }
    });
})();
