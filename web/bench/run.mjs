// make bench-dashboard (web/bench/run.sh starts the center): the dashboard's
// first load to a drawn map and its redraw after a filter change, measured
// in headless chromium with the Performance API, beside a plain Leaflet
// page fed by the same GeoJSON (web/bench/plain.js).
//   node web/bench/run.mjs URL TOKEN REPS > results.json
import { chromium } from 'playwright-core';

const [url, token, reps = '5'] = process.argv.slice(2);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
		'--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync',
		'--disable-dev-shm-usage'],
});

// One cold load of path (a new context: nothing cached), then a filter
// change by change(page); the times in ms and the bytes transferred.
async function once(path, ready, change, changed) {
	const ctx = await browser.newContext({ viewport: { width: 1280,
		height: 900 }, serviceWorkers: 'block' });
	await ctx.addInitScript((t) => {
		sessionStorage.setItem('truce.token', t);
	}, token);
	const page = await ctx.newPage();
	await page.goto(url + path);
	await page.waitForFunction(ready, null, { timeout: 120000 });
	const loaded = await page.evaluate(() => Number((document.querySelector(
	    '#map-count') || document.querySelector('#count')).dataset.count));
	const load = await page.evaluate(() => {
		const m = performance.getEntriesByName('truce-map-drawn');
		const res = performance.getEntriesByType('resource');
		const nav = performance.getEntriesByType('navigation')[0];
		return { first_draw_ms: m[m.length - 1].startTime,
			bytes: res.reduce((a, r) => a + r.transferSize, 0) +
			    nav.transferSize, requests: res.length + 1 };
	});
	const t0 = await page.evaluate(() => {
		performance.clearMarks('truce-map-drawn');
		return performance.now();
	});
	await change(page);
	await page.waitForFunction(changed, null, { timeout: 60000 });
	/* From the page's own mark of the change (the harness's time to
	   deliver it left out), else from before it was sent. */
	const redraw = await page.evaluate((t) => {
		const c = performance.getEntriesByName('truce-filter-changed');
		return performance.getEntriesByName('truce-map-drawn')[0]
		    .startTime - (c.length ? c[c.length - 1].startTime : t);
	}, t0);
	const count = await page.evaluate(() => Number((document.querySelector(
	    '#map-count') || document.querySelector('#count')).dataset.count));
	await ctx.close();
	return Object.assign(load, { redraw_ms: redraw, loaded, count });
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const runs = { dashboard: [], dashboard_state: [], plain: [] };
for (let i = 0; i < Number(reps); i++) {
	// The dashboard: a filter on the state and one on the category
	// (category: a new query to the center).
	runs.dashboard_state.push(await once('/#/map', () => document
	    .querySelector('#map-count[data-count]:not([data-loading])'),
	    (p) => p.selectOption('select[name=state]', 'received'),
	    () => performance.getEntriesByName('truce-map-drawn').length > 0));
	runs.dashboard.push(await once('/#/map', () => document
	    .querySelector('#map-count[data-count]:not([data-loading])'),
	    (p) => p.selectOption('select[name=category]', 'explosion'),
	    () => document.querySelector(
		'#map-count[data-count]:not([data-loading])') &&
		performance.getEntriesByName('truce-map-drawn').length > 0));
	runs.plain.push(await once('/plain.html', () => document
	    .querySelector('#count[data-count]'),
	    (p) => p.selectOption('#category', 'explosion'),
	    () => performance.getEntriesByName('truce-map-drawn').length > 0));
}
await browser.close();
const sum = {};
for (const [k, v] of Object.entries(runs))
	sum[k] = { runs: v.length, incidents: v[0].loaded,
		after_filter: v[0].count, first_draw_ms:
		median(v.map((r) => r.first_draw_ms)), redraw_ms:
		median(v.map((r) => r.redraw_ms)), bytes: median(v.map((r) =>
		r.bytes)), requests: median(v.map((r) => r.requests)) };
console.log(JSON.stringify({ runs, median: sum }, null, 1));
