// Build ../plotly-civicgrid.min.js with the settings of plotly.js's own esbuild config
// (esbuild-config.js in the plotly.js package), minus the GLSL plugin no trace here needs.
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { version } = require('plotly.js/package.json');
const fs = require('fs');

// plotly.js adds a map's traces once MapLibre's `load` has fired, i.e. once every tile of
// the style (the places boundaries and names) is loaded and drawn: the traces' GeoJSON
// then loads after the tiles instead of beside them, and MapLibre draws the map several
// times more. Adding sources and layers only needs the style itself (`style.load`).
const PATCHES = [
    {
        file: /plotly\.js[\\/]src[\\/]plots[\\/]map[\\/]map\.js$/,
        from: "map.once('load', resolve);",
        to: "map.once('style.load', resolve);",
    },
];
const patchPlugin = {
    name: 'civicgrid-patches',
    setup(build) {
        for (const { file, from, to } of PATCHES) {
            build.onLoad({ filter: file }, (args) => {
                const source = fs.readFileSync(args.path, 'utf8');
                if (!source.includes(from)) {
                    throw new Error(`${args.path}: "${from}" not found (plotly.js changed: review the patch)`);
                }
                return { contents: source.replace(from, to), loader: 'js' };
            });
        }
    },
};

const plotly = esbuild.build({
    entryPoints: ['entry.js'],
    outfile: '../plotly-civicgrid.min.js',
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
});

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
