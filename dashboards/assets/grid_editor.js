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

/* Selection of units, in the browser (no server round trip, no lost clicks): a click
   toggles a unit, a box or lasso adds its units, "clear" empties; the map shows the
   selection with Plotly.restyle and the count is written in the page's language. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    civicgridEditor: {
        select: function (click, selected, clear, current, lang) {
            var trig = (window.dash_clientside.callback_context.triggered || [])[0] || {};
            var chosen = new Set(current || []);
            if (trig.prop_id === 'ge-clear.n_clicks') {
                chosen = new Set();
            } else if (trig.prop_id === 'ge-map.clickData' && click && click.points && click.points.length) {
                var unit = parseInt(click.points[0].location, 10);
                if (chosen.has(unit)) { chosen.delete(unit); } else { chosen.add(unit); }
            } else if (trig.prop_id === 'ge-map.selectedData' && selected && selected.points) {
                selected.points.forEach(function (p) {
                    if (p.location !== undefined) { chosen.add(parseInt(p.location, 10)); }
                });
            }
            var list = Array.from(chosen).sort(function (a, b) { return a - b; });
            var gd = document.querySelector('#ge-map .js-plotly-plot');
            if (gd && gd.data && gd.data.length > 1 && window.Plotly) {
                window.Plotly.restyle(gd, {selectedpoints: [list.length ? list : null]}, [1]);
            }
            var text = lang === 'en' ? list.length + ' units selected' : '已选 ' + list.length + ' 个单元';
            return [list, text];
        }
    }
});
