// map: the incidents on the center's own geography (GET /v1/geo), coloured
// by category or state, clustered when zoomed out, each with its 95 %
// ellipse when zoomed in; filters, the view in the URL, exports of what is
// on screen. The incidents come from the compact map listing
// (GET /v1/incidents?format=map, one request for 10,000); supercluster
// groups them, and only the clusters and incidents in view are drawn (the
// incidents on a canvas), so a filter change is a new index and one view's
// worth of layers.
import L from 'leaflet';
import Supercluster from 'supercluster';
import * as api from './api.js';
import { h, clear, download } from './dom.js';
import { t, fmtTime } from './i18n.js';
import { CATEGORIES, STATES, SOURCE_TYPES, colour } from './palette.js';
import { parseView, formatView, serverQuery, clientMatch } from './view.js';
import { toCSV, toGeoJSON, toKML } from './exporting.js';

const ELLIPSE_ZOOM = 11;	/* ellipses from this zoom on */
const CLUSTER_UNTIL = 12;	/* no clustering from this zoom on */
const MIN_ZOOM = 5;
const MAX_ELLIPSES = 2000;
const DEFAULT_AT = [39.85, 46.75];
const DEFAULT_Z = 8;

let geoCache = null;
let geoAsked = null;	/* GET /v1/geo under way (prefetchMap) */
let prefetched = null;	/* {key, rows}: the listing asked for at start */
let spanCache = null;	/* [first, last] UTC day of the center's incidents */

const DAY_MS = 86400000;
const dayOf = (ms) => new Date(ms).toISOString().slice(0, 10);

// The days the incidents cover, from an unfiltered listing.
function spanOf(features) {
	let lo = Infinity, hi = -Infinity;
	for (const f of features) {
		const tw = f.properties.time_window || {};
		const a = Date.parse(tw.from), b = Date.parse(tw.to);
		if (a < lo)
			lo = a;
		if (b > hi)
			hi = b;
	}
	return lo <= hi ? [dayOf(lo), dayOf(hi)] : null;
}

// The points of the 95 % ellipse el around (lat, lon), as Leaflet latlngs.
function ellipsePoints(lat, lon, el) {
	const th = el.orientation_deg * Math.PI / 180;
	const u = [Math.sin(th), Math.cos(th)];	/* major axis: east, north */
	const v = [Math.cos(th), -Math.sin(th)];
	const mLat = 111320, mLon = 111320 * Math.cos(lat * Math.PI / 180);
	const pts = [];
	for (let i = 0; i < 48; i++) {
		const a = 2 * Math.PI * i / 48;
		const x = el.semi_major_m * Math.cos(a), y = el.semi_minor_m *
		    Math.sin(a);
		const east = x * u[0] + y * v[0], north = x * u[1] + y * v[1];
		pts.push([lat + north / mLat, lon + east / mLon]);
	}
	return pts;
}

function multiSelect(name, label, values, selected, labelOf) {
	return h('label', { class: 'field' }, label,
	    h('select', { name, multiple: true, size: Math.min(values.length, 5) },
		values.map((v) => h('option', { value: v,
		    selected: selected.includes(v) }, labelOf(v)))));
}

const loadedBy = (v) => serverQuery(Object.assign({}, v, { category: [] }));

// Asks for the map's geography and incidents of the view in query (the
// URL's) at once, while the session is being opened (GET /v1/me and what
// follows): a page opened on #/map does not wait for them in turn.
export function prefetchMap(query) {
	const q = loadedBy(parseView(query));
	prefetched = { key: q.toString(), rows: api.mapListing(q) };
	prefetched.rows.catch(() => {});
	if (!geoCache && !geoAsked) {
		geoAsked = api.get('/v1/geo');
		geoAsked.catch(() => {});
	}
}

export async function mapScreen(main, ctx, query) {
	const view = parseView(query);
	const members = ctx.members.map((m) => m.name);
	/* The incidents are asked for at once, while the geography comes
	   and the base map is built: the first draw waits on the slower of
	   the two, not on both in turn. */
	let early = prefetched && prefetched.key === loadedBy(view).toString() ?
	    prefetched : { key: loadedBy(view).toString(),
		rows: api.mapListing(loadedBy(view)) };
	prefetched = null;
	early.rows.catch(() => {});
	if (!geoCache) {
		const asked = geoAsked;
		geoAsked = null;
		geoCache = await (asked ? asked.catch(() => api.get('/v1/geo')) :
		    api.get('/v1/geo'));
	}
	const zones = [...new Set(geoCache.features.filter((f) =>
	    f.properties.kind === 'zone').map((f) => f.properties.name))].sort();

	const form = h('form', { class: 'filters', 'aria-label': t('filters') },
	    h('h2', {}, t('filters')),
	    h('label', { class: 'field' }, t('from'),
		h('input', { type: 'date', name: 'from', value: view.from })),
	    h('label', { class: 'field' }, t('to'),
		h('input', { type: 'date', name: 'to', value: view.to })),
	    h('label', { class: 'field' }, t('day_slider'),
		h('input', { type: 'range', id: 'day-slider', min: 0, max: 0,
		    value: 0, step: 1, disabled: true,
		    'aria-describedby': 'day-shown' }),
		h('output', { id: 'day-shown', for: 'day-slider' }, t('all_days'))),
	    multiSelect('category', t('category'), CATEGORIES, view.category,
		(c) => t('cat.' + c)),
	    h('label', { class: 'field' }, t('zone'),
		h('select', { name: 'zone' }, h('option', { value: '' }, t('any')),
		    zones.map((z) => h('option', { value: z,
			selected: z === view.zone }, z)))),
	    multiSelect('state', t('state'), STATES, view.state,
		(s) => t('state.' + s)),
	    multiSelect('source', t('source_type'), SOURCE_TYPES, view.source,
		(s) => t('src.' + s)),
	    multiSelect('member', t('member'), members, view.member, (m) => m),
	    h('label', { class: 'field' }, t('colour_by'),
		h('select', { name: 'color' },
		    h('option', { value: 'category',
			selected: view.color !== 'state' }, t('category')),
		    h('option', { value: 'state',
			selected: view.color === 'state' }, t('state')))),
	    h('button', { type: 'reset' }, t('clear_filters')));
	const count = h('p', { id: 'map-count', role: 'status',
		'aria-live': 'polite' }, t('loading'));
	const mapEl = h('div', { id: 'map', role: 'region',
		'aria-label': t('map') });
	const legend = h('ul', { class: 'legend', 'aria-label': t('legend') });
	const exports = h('div', { class: 'exports', role: 'group',
		'aria-label': t('export') },
	    h('span', {}, t('export_visible')),
	    h('button', { type: 'button', id: 'export-csv' }, 'CSV'),
	    h('button', { type: 'button', id: 'export-geojson' }, 'GeoJSON'),
	    h('button', { type: 'button', id: 'export-kml' }, 'KML'));
	const list = h('tbody');
	const table = h('table', { class: 'incidents' },
	    h('caption', {}, t('incidents_on_screen')),
	    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('incident')),
		h('th', { scope: 'col' }, t('category')),
		h('th', { scope: 'col' }, t('state')),
		h('th', { scope: 'col' }, t('when')),
		h('th', { scope: 'col' }, t('where')))), list);
	clear(main).append(h('div', { class: 'map-screen' }, form,
	    h('section', { class: 'map-pane' }, count, mapEl, legend, exports,
		table)));

	const map = L.map(mapEl, { preferCanvas: true, zoomControl: true,
		attributionControl: false, minZoom: MIN_ZOOM, maxZoom: 16 });
	map.setView(view.at || DEFAULT_AT, view.z ?? DEFAULT_Z);
	const base = L.geoJSON(geoCache, {
		filter: (f) => f.properties.kind !== 'place',
		style: (f) => f.properties.kind === 'zone' ?
		    { color: '#7f8c8d', weight: 1, fillColor: '#eaf2f8',
			fillOpacity: f.properties.layer === 'countries' ? 0.6 : 0.25 } :
		    { color: f.properties.layer.startsWith('ceasefire') ?
			'#b03a2e' : '#566573', weight:
			f.properties.layer.startsWith('ceasefire') ? 3 : 1.5,
			dashArray: f.properties.layer.startsWith('ceasefire') ?
			'6 4' : null },
		onEachFeature: (f, layer) => layer.bindTooltip(f.properties.name),
	}).addTo(map);
	const places = L.layerGroup(geoCache.features.filter((f) =>
	    f.properties.kind === 'place').map((f) => L.circleMarker(
	    [f.geometry.coordinates[1], f.geometry.coordinates[0]],
	    { radius: 2, color: '#34495e', weight: 1, fillOpacity: 0.6 })
	    .bindTooltip([f.properties.name, ...f.properties.names].join(' / '))));
	void base;

	const points = L.layerGroup();
	const ellipses = L.layerGroup();
	map.addLayer(points);
	let all = [], shown = [], index = null;

	function visible() {
		const b = map.getBounds();
		return shown.filter((f) => f.geometry &&
		    b.contains([f.geometry.coordinates[1],
			f.geometry.coordinates[0]]));
	}

	function drawLegend() {
		const keys = view.color === 'state' ? STATES : CATEGORIES;
		clear(legend).append(...keys.map((k) => h('li', {},
		    h('span', { class: 'swatch', dataset: { c: colour(view.color,
			view.color === 'state' ? { state: k } : { category: k }) } }),
		    t((view.color === 'state' ? 'state.' : 'cat.') + k))));
		for (const s of legend.querySelectorAll('.swatch'))
			s.style.backgroundColor = s.dataset.c;
	}

	// The table of the incidents in view: their number at once, the rows
	// (the first 200) in a task of their own once the map has been
	// painted, so that the map does not wait for a table below it.
	let listTimer = null;
	function drawList() {
		const vis = visible();
		count.dataset.visible = String(vis.length);
		cancelAnimationFrame(listTimer);
		listTimer = requestAnimationFrame(() => setTimeout(() => {
			clear(list).append(...vis.slice(0, 200).map((f) => {
				const p = f.properties;
				return h('tr', {}, h('td', {}, h('a', {
					href: '#/incident/' + f.id }, f.id)),
				    h('td', {}, t('cat.' + p.category)),
				    h('td', {}, t('state.' + p.state)),
				    h('td', {}, fmtTime(p.time_window.from)),
				    h('td', {}, p.zone || ''));
			}));
		}, 0));
	}

	// One marker per incident, made once and restyled: a filter change
	// only hands the cluster layer another subset.
	const markerOf = new Map();
	function marker(f) {
		const p = f.properties;
		const c = colour(view.color, p);
		let m = markerOf.get(f.id);
		if (m && m.feature === f) {
			if (m.options.fillColor !== c)
				m.setStyle({ fillColor: c });
			return m;
		}
		const [lon, lat] = f.geometry.coordinates;
		m = L.circleMarker([lat, lon], { radius: 6, color: '#fff',
			weight: 1.5, fillColor: c, fillOpacity: 0.95 });
		m.feature = f;
		m.bindTooltip(() => t('cat.' + p.category) + ' — ' +
		    t('state.' + p.state) + ' — ' + fmtTime(p.time_window.from) +
		    (p.zone ? ' — ' + p.zone : ''));
		m.on('click', () => { location.hash = '#/incident/' + f.id; });
		markerOf.set(f.id, m);
		return m;
	}

	// A cluster: its number of incidents in a circle; a click zooms to
	// where it splits.
	function clusterMarker(c) {
		const [lon, lat] = c.geometry.coordinates;
		const n = c.properties.point_count;
		const m = L.marker([lat, lon], { icon: L.divIcon({
			html: '<span>' + Number(n) + '</span>', iconSize: [36, 36],
			className: 'marker-cluster marker-cluster-' + (n < 10 ?
			    'small' : n < 100 ? 'medium' : 'large') }),
			title: t('map.cluster', { n }), alt: t('map.cluster', { n }) });
		m.on('click', () => map.setView([lat, lon], Math.min(
		    index.getClusterExpansionZoom(c.properties.cluster_id),
		    CLUSTER_UNTIL)));
		return m;
	}

	// The clusters and incidents in view (and a margin around it), from
	// the index of the incidents shown.
	function drawPoints() {
		points.clearLayers();
		if (!index)
			return;
		const b = map.getBounds().pad(0.25);
		const z = map.getZoom();
		let n = 0;
		for (const c of index.getClusters([Math.max(b.getWest(), -180),
		    Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180),
		    Math.min(b.getNorth(), 90)], z)) {
			if (c.properties.cluster) {
				points.addLayer(clusterMarker(c));
				n++;
			} else
				points.addLayer(marker(c));
		}
		count.dataset.clusters = String(n);
	}

	function draw() {
		// The category is filtered here, on every incident loaded (the
		// API's rule: the incident's category is one of those asked).
		shown = all.filter((f) => (!view.category.length ||
		    view.category.includes(f.properties.category)) &&
		    clientMatch(view, f));
		index = new Supercluster({ radius: 60, minZoom: MIN_ZOOM,
			maxZoom: CLUSTER_UNTIL - 1 });
		index.load(shown.filter((f) => f.geometry));
		drawPoints();
		drawEllipses();
		// For make bench-dashboard (web/bench/): when the map was drawn,
		// in the frame after the layers changed, once Leaflet's canvas
		// (its own frame callback, asked for first) has painted them.
		requestAnimationFrame(() => performance.mark('truce-map-drawn'));
		const located = shown.filter((f) => f.geometry).length;
		count.textContent = t('count_shown', { n: shown.length,
			located });
		count.dataset.count = String(shown.length);
		drawLegend();
		drawList();
	}

	// The 95 % ellipses of the incidents in view, drawn only when zoomed
	// in (at most MAX_ELLIPSES): a wide view of thousands stays light.
	function drawEllipses() {
		ellipses.clearLayers();
		count.dataset.ellipses = '0';
		if (map.getZoom() < ELLIPSE_ZOOM)
			return;
		let n = 0;
		for (const f of visible().slice(0, MAX_ELLIPSES)) {
			const p = f.properties;
			if (!p.ellipse)
				continue;
			const [lon, lat] = f.geometry.coordinates;
			ellipses.addLayer(L.polygon(ellipsePoints(lat, lon, p.ellipse),
			    { color: colour(view.color, p), weight: 1,
				fillOpacity: 0.08, interactive: false }));
			n++;
		}
		count.dataset.ellipses = String(n);
	}

	function zoomLayers() {
		const z = map.getZoom();
		if (z >= ELLIPSE_ZOOM)
			map.addLayer(ellipses);
		else
			map.removeLayer(ellipses);
		if (z >= 10)
			map.addLayer(places);
		else
			map.removeLayer(places);
	}

	function writeUrl() {
		const c = map.getCenter();
		view.at = [c.lat, c.lng];
		view.z = map.getZoom();
		const want = '#/map?' + formatView(view);
		if (location.hash !== want)
			history.replaceState(null, '', want);
	}

	let seq = 0;
	async function load() {
		const my = ++seq;
		count.textContent = t('loading');
		delete count.dataset.count;
		count.dataset.loading = '1';
		try {
			const q = loadedBy(view);
			const got = await (early && early.key === q.toString() ?
			    early.rows : api.mapListing(q));
			early = null;
			if (my !== seq)
				return;
			all = got;
			if (!view.from && !view.to && !view.zone)
				spanCache = spanOf(all) || spanCache;
			delete count.dataset.loading;
			draw();
			syncSlider();
		} catch (e) {
			delete count.dataset.loading;
			count.textContent = t('error', { detail: e.message });
		}
	}

	const slider = form.querySelector('#day-slider');
	const dayShown = form.querySelector('#day-shown');
	// The slider: 0 is every day, k the k-th day of the span.
	function syncSlider() {
		if (!spanCache)
			return;
		const n = Math.round((Date.parse(spanCache[1]) -
		    Date.parse(spanCache[0])) / DAY_MS) + 1;
		slider.max = String(n);
		slider.disabled = false;
		const one = view.from && view.from === view.to;
		const k = one ? Math.round((Date.parse(view.from) -
		    Date.parse(spanCache[0])) / DAY_MS) + 1 : 0;
		slider.value = String(k >= 1 && k <= n ? k : 0);
		dayShown.textContent = one ? view.from : (view.from || view.to ?
		    (view.from || '…') + ' – ' + (view.to || '…') : t('all_days'));
	}
	slider.addEventListener('input', () => {
		const k = Number(slider.value);
		const d = k === 0 ? '' : dayOf(Date.parse(spanCache[0]) +
		    (k - 1) * DAY_MS);
		form.elements.from.value = d;
		form.elements.to.value = d;
		readForm();
	});

	function readForm() {
		// For make bench-dashboard: the user's change, whence a redraw
		// is timed.
		performance.mark('truce-filter-changed');
		const fd = new FormData(form);
		const before = loadedBy(view).toString();
		view.from = fd.get('from') || '';
		view.to = fd.get('to') || '';
		view.zone = fd.get('zone') || '';
		view.color = fd.get('color') === 'state' ? 'state' : 'category';
		for (const k of ['category', 'state', 'source', 'member'])
			view[k] = fd.getAll(k);
		if (loadedBy(view).toString() !== before)
			load();
		else
			draw();
		/* The URL after the drawing, in its frame: it can wait. */
		requestAnimationFrame(writeUrl);
	}

	form.addEventListener('change', readForm);
	form.addEventListener('reset', () => setTimeout(readForm, 0));
	map.on('moveend', () => {
		writeUrl();
		drawPoints();
		drawList();
		drawEllipses();
	});
	map.on('zoomend', zoomLayers);
	zoomLayers();
	const stamp = () => new Date().toISOString().slice(0, 19)
	    .replace(/:/g, '');
	// An export holds the incidents in view in full: the map holds only
	// what it draws, so their Features are read again from the listing
	// (the same filters, the view's box) and kept if on screen.
	async function inFull() {
		const want = new Set(visible().map((f) => f.id));
		const b = map.getBounds().pad(0.01);
		const q = serverQuery(view);
		const clamp = (x, lim) => Math.max(-lim, Math.min(lim, x))
		    .toFixed(7);
		q.set('bbox', [clamp(b.getWest(), 180), clamp(b.getSouth(), 90),
			clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(','));
		return (await api.allPages('/v1/incidents', q)).filter((f) =>
		    want.has(f.id));
	}
	function exporter(id, ext, type, write) {
		exports.querySelector(id).addEventListener('click', async () => {
			try {
				download('incidents-' + stamp() + ext, type,
				    write(await inFull()));
			} catch (e) {
				count.textContent = t('error', { detail: e.message });
			}
		});
	}
	exporter('#export-csv', '.csv', 'text/csv', toCSV);
	exporter('#export-geojson', '.geojson', 'application/geo+json',
	    toGeoJSON);
	exporter('#export-kml', '.kml', 'application/vnd.google-earth.kml+xml',
	    toKML);
	writeUrl();
	if (!spanCache && (view.from || view.to || view.zone))
		api.mapListing('').then((f) => {
			spanCache = spanOf(f);
			syncSlider();
		}).catch(() => {});
	await load();
	ctx.refresh = load;	/* live: the same view, redrawn */
	return () => map.remove();
}
