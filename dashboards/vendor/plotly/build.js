// Build ../plotly-civicgrid.min.js with the settings of plotly.js's own esbuild config
// (esbuild-config.js in the plotly.js package), minus the GLSL plugin no trace here needs.
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { version } = require('plotly.js/package.json');

esbuild.build({
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
    plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'info',
}).catch(() => process.exit(1));
