// Build ../plotly-civicgrid.min.js with the settings of plotly.js's own esbuild config
// (esbuild-config.js in the plotly.js package), minus the GLSL plugin no trace here needs.
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { version } = require('plotly.js/package.json');
const fs = require('fs');
const acorn = require('acorn');

// Changes to plotly.js's map code (plots/map/map.js, traces/choroplethmap/convert.js), each
// found by its text: the build stops if plotly.js's text changed, so an upgrade cannot
// drop one silently. On a 2-core machine in software WebGL each frame MapLibre draws costs
// 40-100 ms of the page's main thread, and every change of a map's style makes MapLibre
// draw one; its one worker parses every tile of every layer.
const MAP_JS = /plotly\.js[\\/]src[\\/]plots[\\/]map[\\/]map\.js$/;
const CHOROPLETHMAP_CONVERT_JS = /plotly\.js[\\/]src[\\/]traces[\\/]choroplethmap[\\/]convert\.js$/;
const PATCHES = [
    // A map's traces are added once MapLibre's `load` has fired, i.e. once every tile of the
    // style (the places boundaries and names) is loaded and drawn: the traces' GeoJSON then
    // loads after the tiles instead of beside them, and the map is drawn several times more.
    // Adding sources and layers only needs the style itself (`style.load`).
    {
        file: MAP_JS,
        from: "map.once('load', resolve);",
        to: "map.once('style.load', resolve);",
    },
    // Every update of a figure sets each paint and layout property of each trace's layers
    // again, and MapLibre redraws the map for each set even when the value is the one it
    // has: a property whose value is unchanged is left alone.
    {
        file: MAP_JS,
        from: `    for (var k in opts) {
        this.map[methodName](id, k, opts[k]);
    }`,
        to: `    var getter = methodName.replace('set', 'get');
    for (var k in opts) {
        if (JSON.stringify(this.map[getter](id, k)) === JSON.stringify(opts[k])) continue;
        this.map[methodName](id, k, opts[k]);
    }`,
    },
    // Every update also sets the map's view and size again, and MapLibre redraws the map for
    // each even when nothing moved: they are set when they changed.
    {
        file: MAP_JS,
        from: `        map.setCenter(convertCenter(opts.center));
        map.setZoom(opts.zoom);
        map.setBearing(opts.bearing);
        map.setPitch(opts.pitch);`,
        to: `        var center = convertCenter(opts.center);
        var now = map.getCenter();
        if (now.lng !== center[0] || now.lat !== center[1] || map.getZoom() !== opts.zoom ||
            map.getBearing() !== opts.bearing || map.getPitch() !== opts.pitch) {
            map.jumpTo({ center: center, zoom: opts.zoom, bearing: opts.bearing, pitch: opts.pitch });
        }`,
    },
    {
        file: MAP_JS,
        from: `    this.map.resize();`,
        to: `    var container = map.getContainer();
    var canvas = map.getCanvas();
    if (container.clientWidth !== canvas.clientWidth || container.clientHeight !== canvas.clientHeight) {
        map.resize();
    }`,
    },
    // Traces (and layout layers) drawn below the same style layer have their layers removed
    // and added again at every update, to keep their order, so MapLibre parses their
    // sources' tiles again and redraws. They keep their layers when the group is the one of
    // the last update, or that group less some members (a trace emptied is not drawn, and
    // the others keep their order); a member added or moved re-adds them all, as before.
    {
        file: MAP_JS,
        from: `    for (val in val2list) {
        var list = val2list[val];
        if (list.length > 1) {`,
        to: `    var groupsBefore = this._belowGroups || {};
    this._belowGroups = val2list;
    for (val in val2list) {
        var list = val2list[val];
        var kept = (groupsBefore[val] || []).filter(function (k) { return list.indexOf(k) >= 0; });
        if (list.length > 1 && kept.join(' ') !== list.join(' ')) {`,
    },
    // A choroplethmap trace has a line layer even when its outline width is 0 (the hexagon
    // layers: no outline), and MapLibre's worker builds that layer's line geometry for
    // every feature of every tile, to draw nothing. Such a layer is hidden instead, so it
    // is not built; a width set later makes it visible again (each update converts anew).
    {
        file: CHOROPLETHMAP_CONVERT_JS,
        from: `    line.layout.visibility = 'visible';`,
        to: `    line.layout.visibility = (lineWidthFn || markerLine.width > 0) ? 'visible' : 'none';`,
    },
];
const patchPlugin = {
    name: 'civicgrid-patches',
    setup(build) {
        const files = [...new Set(PATCHES.map((p) => p.file))];
        for (const file of files) {
            build.onLoad({ filter: file }, (args) => {
                let source = fs.readFileSync(args.path, 'utf8');
                for (const { from, to } of PATCHES.filter((p) => p.file === file)) {
                    if (!source.includes(from)) {
                        throw new Error(`${args.path}: "${from}" not found (plotly.js changed: review the patch)`);
                    }
                    source = source.replace(from, to);
                }
                return { contents: source, loader: 'js' };
            });
        }
    },
};

// V8 compiles a function when it is first called, on the page's main thread, unless the
// function is wrapped in parentheses: such a function it compiles at once, while it
// streams the script in on another thread. Each module of the bundle is a function that
// esbuild's helpers (__commonJS, __esm) call once as the bundle runs, and compiling them
// there was ~100 ms of a first map's main thread here; in parentheses they are compiled
// before the bundle runs. Only the modules' own functions are wrapped: the functions in
// them stay lazy, so what the bundle never calls is never compiled.
const MODULE_HELPERS = {
    __commonJS: /([\w$]+)=\(e,t\)=>\(\)=>\{try\{return t\|\|e\(\(t=\{exports:\{\}\}\)\.exports,t\)/,
    __esm: /([\w$]+)=\(e,t,r\)=>\(\)=>\{if\(r\)throw r\[0\];try\{return e&&\(t=e\(e=0\)\),t\}/,
};

function compileModulesEagerly(file) {
    const code = fs.readFileSync(file, 'utf8');
    const helpers = Object.entries(MODULE_HELPERS).map(([name, pattern]) => {
        const found = code.match(pattern);
        if (!found) {
            throw new Error(`${file}: esbuild's ${name} helper not found (esbuild changed: review MODULE_HELPERS)`);
        }
        return found[1];
    });
    const spans = [];
    (function walk(node) {
        if (node.type === 'CallExpression' && node.callee.type === 'Identifier' &&
            helpers.includes(node.callee.name)) {
            const factory = node.arguments[0];
            if (factory && /^(Arrow)?FunctionExpression$/.test(factory.type)) {
                spans.push([factory.start, factory.end]);
            }
        }
        for (const value of Object.values(node)) {
            for (const child of Array.isArray(value) ? value : [value]) {
                if (child && typeof child.type === 'string') walk(child);
            }
        }
    })(acorn.parse(code, { ecmaVersion: 'latest' }));
    let out = code;
    for (const [start, end] of spans.sort((a, b) => b[0] - a[0])) {
        out = `${out.slice(0, start)}(${out.slice(start, end)})${out.slice(end)}`;
    }
    fs.writeFileSync(file, out);
    console.log(`${file}: ${spans.length} module functions compiled as the script streams in`);
}

const PLOTLY_OUT = '../plotly-civicgrid.min.js';
const plotly = esbuild.build({
    entryPoints: ['entry.js'],
    outfile: PLOTLY_OUT,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    // the first line names the plotly.js version (a test compares it with plotly.py's)
    banner: { js: `/* plotly.js v${version}, civicgrid bundle: core, bar, scattermap, choroplethmap */` },
    plugins: [patchPlugin, InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'info',
}).then(() => compileModulesEagerly(PLOTLY_OUT));

// regenerator-runtime, the one part of Dash's @babel/polyfill its scripts still need
// (the global `regeneratorRuntime` of their transpiled async functions): served in its
// place (dashboards/plotlyjs.py), it sets that global and nothing else
const regenerator = esbuild.build({
    entryPoints: ['node_modules/regenerator-runtime/runtime.js'],
    outfile: '../regenerator-runtime.min.js',
    bundle: false,
    minify: true,
    legalComments: 'eof',
    banner: { js: `/* regenerator-runtime v${require('regenerator-runtime/package.json').version}: MIT licence, Copyright (c) 2014-present, Facebook, Inc. */` },
    logLevel: 'info',
});

Promise.all([plotly, regenerator]).catch(() => process.exit(1));
