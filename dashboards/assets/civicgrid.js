/* Client-side helpers of the civicgrid dashboard (served locally, no CDN). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    civicgrid: {
        /* Download the page's first map/graph as a PNG at twice its size. */
        exportPng: function (n) {
            var gd = document.querySelector('#page .js-plotly-plot');
            if (!gd || !window.Plotly) { return window.dash_clientside.no_update; }
            var name = 'civicgrid-' + (window.location.pathname.replace(/\//g, '') || 'overview');
            window.Plotly.downloadImage(gd, {format: 'png', scale: 2, filename: name});
            return String(n);
        },
        /* The browser's print dialog; print CSS hides the controls (save as PDF). */
        printPage: function (n) {
            window.setTimeout(function () { window.print(); }, 50);
            return String(n);
        }
    }
});
