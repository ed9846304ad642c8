/* Grid editor keyboard shortcuts: Ctrl+Z undo, Ctrl+Y (or Ctrl+Shift+Z) redo, by clicking
   the editor's own buttons; typing in a field keeps the browser's own undo. Local asset. */
document.addEventListener('keydown', function (e) {
    if (!(e.ctrlKey || e.metaKey)) { return; }
    var tag = (e.target && e.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'TEXTAREA' || (e.target && e.target.isContentEditable)) { return; }
    var key = e.key.toLowerCase();
    var id = (key === 'z' && !e.shiftKey) ? 'ge-undo' : ((key === 'y' || (key === 'z' && e.shiftKey)) ? 'ge-redo' : null);
    var button = id && document.getElementById(id);
    if (button) { e.preventDefault(); button.click(); }
});

/* Selection of units, in the browser (no server round trip): a click on the map is
   matched to the draft's unit tiles drawn under the pointer (MapLibre's rendered
   features, whatever Plotly is redrawing at that moment) and reported in ge-click; a box
   or lasso adds the units whose point on surface (the tiles' lon/lat) lies inside it;
   "clear" empties. The selection is drawn as trace 2 from the units' tile geometry, and
   the count is written in the page's language. */
(function () {
    var SELECTED = 2;
    var kept = {key: null, shapes: {}};  /* unit id -> polygons, for one draft revision */
    var clicks = 0;

    function mapOf(gd) {
        var full = gd && gd._fullLayout, sub = full && full.map && full.map._subplot;
        return sub && sub.map;
    }

    /* the draft and revision of a unit tile source: units differ between drafts only */
    function draftKey(map, source) {
        var src = map.getSource(source), url = src && src.tiles && src.tiles[0];
        if (!url) { return ''; }
        var q = new URL(url.replace('{z}/{x}/{y}', '0/0/0')).searchParams;
        return q.get('version') + '@' + q.get('rev');
    }

    function unitsAt(map, where) {
        return map.queryRenderedFeatures(where).filter(function (f) { return f.sourceLayer === 'units'; });
    }

    /* keep the polygons of each unit of `feats`, from every loaded tile that holds a piece */
    function remember(map, feats) {
        feats.forEach(function (f) {
            var key = draftKey(map, f.source), id = f.properties.unit_id;
            if (key !== kept.key) { kept = {key: key, shapes: {}}; }
            if (kept.shapes[id]) { return; }
            var parts = [];
            map.querySourceFeatures(f.source, {sourceLayer: 'units', filter: ['==', ['get', 'unit_id'], id]})
                .forEach(function (p) {
                    var g = p.geometry;
                    if (g.type === 'Polygon') { parts.push(g.coordinates); }
                    if (g.type === 'MultiPolygon') { parts = parts.concat(g.coordinates); }
                });
            kept.shapes[id] = parts.length ? parts : [f.geometry.coordinates];
        });
    }

    function inside(pt, ring) {
        var x = pt[0], y = pt[1], hit = false;
        for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
            var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
            if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { hit = !hit; }
        }
        return hit;
    }

    /* units whose point on surface lies in the box or lasso of plotly's selectedData */
    function unitsIn(map, selected) {
        var box = selected.range && selected.range.map, ring = selected.lassoPoints && selected.lassoPoints.map;
        if (box) {
            ring = [[box[0][0], box[0][1]], [box[1][0], box[0][1]], [box[1][0], box[1][1]], [box[0][0], box[1][1]]];
        }
        if (!ring || ring.length < 3) { return []; }
        var px = ring.map(function (p) { return map.project(p); });
        var xs = px.map(function (p) { return p.x; }), ys = px.map(function (p) { return p.y; });
        var feats = unitsAt(map, [[Math.min.apply(null, xs), Math.min.apply(null, ys)],
                                  [Math.max.apply(null, xs), Math.max.apply(null, ys)]])
            .filter(function (f) { return inside([f.properties.lon, f.properties.lat], ring); });
        remember(map, feats);
        return feats.map(function (f) { return f.properties.unit_id; });
    }

    /* the selection trace holds first the item of no visible size that the server's figure
       gives each trace (grids_editor.HOLDER), so that it is never empty */
    function draw(gd, list) {
        var holder = gd.data[SELECTED].geojson.features[0];
        var feats = [holder].concat(list.filter(function (u) { return kept.shapes[u]; }).map(function (u) {
            return {type: 'Feature', id: String(u), properties: {},
                    geometry: {type: 'MultiPolygon', coordinates: kept.shapes[u]}};
        }));
        window.Plotly.restyle(gd, {geojson: [{type: 'FeatureCollection', features: feats}],
                                   locations: [feats.map(function (f) { return f.id; })],
                                   z: [feats.map(function () { return 0; })]}, [SELECTED]);
    }

    /* the hover text of the unit from the tiles under the pointer, in #ge-hover, written
       from its template (the page's language) and the tile's properties; units edited
       since the map was drawn are left to the edited-units trace, which has its own */
    function hover(gd, map, e) {
        var tip = document.getElementById('ge-hover');
        if (!tip) { return; }
        var hit = unitsAt(map, e.point).filter(function (f) { return f.properties.unit_id !== undefined; })[0];
        var edited = (gd.data && gd.data[0] && gd.data[0].locations) || [];
        if (!hit || edited.indexOf(String(hit.properties.unit_id)) >= 0) { tip.hidden = true; return; }
        var p = hit.properties, fields = {
            unit: '#' + p.unit_id, grid: p.grid_code || '\u2014', name: p.grid_name || '',
            households: p.households, population: p.population, hours: Number(p.hours).toFixed(1)
        };
        var text = tip.dataset.template.replace(/\{(\w+)\}/g, function (m, k) {
            return fields[k] === undefined ? m : String(fields[k]);
        });
        var nodes = [];
        text.split('<br>').forEach(function (line, i) {
            if (i) { nodes.push(document.createElement('br')); }
            nodes.push(document.createTextNode(line));
        });
        tip.replaceChildren.apply(tip, nodes);
        tip.style.left = (e.originalEvent.clientX + 14) + 'px';
        tip.style.top = (e.originalEvent.clientY + 14) + 'px';
        tip.hidden = false;
    }

    /* MapLibre draws a frame as soon as an edit's GeoJSON is indexed by its worker, while
       the sources' tiles are still being cut again from it: a frame that shows nothing
       new and, in software WebGL, holds the page 60-100 ms, so that the new tiles wait
       for the frame after. While a GeoJSON source of the map is being updated, a frame
       is put off until its tiles are in (at most HOLD_MS). */
    var HOLD_MS = 250;
    function holdFramesWhileUpdating(map) {
        var render = map._render, since = null;
        if (typeof render !== 'function') { return; }
        function updating() {
            var managers = (map.style && (map.style.tileManagers || map.style.sourceCaches)) || {};
            return Object.keys(managers).some(function (id) {
                var src = map.getSource(id);
                return src && src.type === 'geojson' && (src._isUpdatingWorker || !map.isSourceLoaded(id));
            });
        }
        map._render = function (stamp) {
            if (updating()) {
                if (since === null) {
                    since = performance.now();
                    window.setTimeout(function () { map.triggerRepaint(); }, HOLD_MS);
                }
                if (performance.now() - since < HOLD_MS) { return map; }
            }
            since = null;
            return render.call(map, stamp);
        };
        map.on('sourcedata', function () {
            if (since !== null && !updating()) { map.triggerRepaint(); }
        });
    }

    /* listen to clicks and the pointer on each map the editor's graph makes (once per map) */
    function attach() {
        var gd = document.querySelector('#ge-map .js-plotly-plot'), map = mapOf(gd);
        if (!map || map.civicgridEditor) { return; }
        map.civicgridEditor = true;
        holdFramesWhileUpdating(map);
        map.on('click', function (e) {
            var mode = gd._fullLayout.dragmode;
            if (mode === 'select' || mode === 'lasso') { return; }
            var hit = unitsAt(map, e.point)[0];
            if (!hit) { return; }
            remember(map, [hit]);
            clicks += 1;
            window.dash_clientside.set_props('ge-click', {data: {unit: hit.properties.unit_id, n: clicks}});
        });
        map.on('mousemove', function (e) { hover(gd, map, e); });
        map.on('mouseout', function () {
            var tip = document.getElementById('ge-hover');
            if (tip) { tip.hidden = true; }
        });
    }
    window.setInterval(attach, 250);

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        civicgridEditor: {
            select: function (click, selected, clear, current, lang) {
                var trig = (window.dash_clientside.callback_context.triggered || [])[0] || {};
                var gd = document.querySelector('#ge-map .js-plotly-plot'), map = mapOf(gd);
                var chosen = new Set(current || []);
                if (trig.prop_id === 'ge-clear.n_clicks') {
                    chosen = new Set();
                } else if (trig.prop_id === 'ge-click.data' && click) {
                    if (chosen.has(click.unit)) { chosen.delete(click.unit); } else { chosen.add(click.unit); }
                } else if (trig.prop_id === 'ge-map.selectedData' && selected && map) {
                    unitsIn(map, selected).forEach(function (u) { chosen.add(u); });
                }
                var list = Array.from(chosen).sort(function (a, b) { return a - b; });
                if (gd && gd.data && gd.data.length > SELECTED && window.Plotly) { draw(gd, list); }
                var text = lang === 'en' ? list.length + ' units selected' : '已选 ' + list.length + ' 个单元';
                return [list, text];
            }
        }
    });
})();
