/* AG Grid's component library is loaded when a page first shows a grid, not with every
   page: it is 1.3 MB of script whose run took 50-80 ms of a first map's main thread on
   a 2-core machine, on the overview (no grid) and on the hotspots page (its table comes
   after the map) too. The page template names the library's URL in a data block
   (dashboards.plotlyjs) instead of a script tag; until it has run, window.dash_ag_grid
   is this stand-in, whose AgGrid loads it, keeps the grid's place (id, class, style)
   and then draws the real grid with the same props. Dash holds a callback that writes
   to a grid until the library is there (`_dashprivate_isLazyComponentReady`, the hook
   of its own lazy components); once it has run, Dash finds the real AgGrid itself. */
(function () {
    var block = document.getElementById('dash-ag-grid-src');
    if (!block || window.dash_ag_grid) { return; }
    var loading = null;

    function load() {
        if (!loading) {
            loading = new Promise(function (resolve, reject) {
                var s = document.createElement('script');
                s.src = block.getAttribute('data-src');
                s.onload = function () { resolve(window.dash_ag_grid); };
                s.onerror = reject;
                document.head.appendChild(s);
            });
        }
        return loading;
    }

    function AgGrid(props) {
        var React = window.React;
        var state = React.useState(null), real = state[0], setReal = state[1];
        React.useEffect(function () {
            var live = true;
            load().then(function (lib) {
                if (live) { setReal(function () { return lib.AgGrid; }); }
            });
            return function () { live = false; };
        }, []);
        if (real) { return React.createElement(real, props); }
        return React.createElement('div', {id: props.id, className: props.className, style: props.style});
    }

    Object.defineProperty(AgGrid, '_dashprivate_isLazyComponentReady', {
        get: function () { return window.dash_ag_grid.AgGrid === AgGrid ? load() : true; }
    });
    window.dash_ag_grid = {AgGrid: AgGrid};
})();
