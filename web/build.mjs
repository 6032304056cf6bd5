// Builds the dashboard into web/dist: one script (app.js) and one style
// sheet (app.css, Leaflet's included, its images inlined) bundled by
// esbuild from src/ and node_modules, and index.html copied. No CDN: every
// byte the page needs is in dist/ and served by the center.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';

const dist = new URL('./dist/', import.meta.url).pathname;
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await esbuild.build({
	entryPoints: { app: 'src/main.js' },
	bundle: true, minify: true, sourcemap: false, format: 'iife',
	target: ['chrome100', 'firefox100', 'safari15'], outdir: dist,
	loader: { '.json': 'json' }, legalComments: 'eof', logLevel: 'warning',
});
await esbuild.build({
	entryPoints: { app: 'src/app.css' }, bundle: true, minify: true,
	outdir: dist, loader: { '.png': 'dataurl', '.svg': 'dataurl' },
	logLevel: 'warning',
});
copyFileSync('src/index.html', dist + 'index.html');
// The service worker's cache is named after what it keeps: a new build is
// a new cache, and the old one is dropped when the new worker activates.
const version = createHash('sha256').update(readFileSync(dist + 'app.js'))
    .update(readFileSync(dist + 'app.css'))
    .update(readFileSync(dist + 'index.html')).digest('hex').slice(0, 16);
await esbuild.build({
	entryPoints: { sw: 'src/sw.js' }, bundle: false, minify: true,
	outdir: dist, define: { VERSION: JSON.stringify(version) },
	logLevel: 'warning',
});
