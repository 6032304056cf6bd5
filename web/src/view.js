// view: the map's view (filters, centre, zoom) <-> the URL's fragment, so
// that a link reproduces what is on screen. Pure: no DOM.
//   #/map?category=explosion,burst_or_shot&from=2026-11-01&to=2026-11-02
//        &zone=Azerbaijan&state=received&source=patrol&member=RU
//        &at=39.9,46.9&z=9&color=state

export const FILTER_KEYS = ['category', 'from', 'to', 'zone', 'state',
	'source', 'member'];
const LIST_KEYS = new Set(['category', 'state', 'source', 'member']);

export function emptyView() {
	return { category: [], from: '', to: '', zone: '', state: [],
		source: [], member: [], at: null, z: null, color: 'category' };
}

// Parses the query part of a fragment ("a=1&b=2") into a view.
export function parseView(query) {
	const v = emptyView();
	const p = new URLSearchParams(query || '');
	for (const k of FILTER_KEYS) {
		const s = p.get(k);
		if (s === null || s === '')
			continue;
		v[k] = LIST_KEYS.has(k) ? s.split(',').filter(Boolean) : s;
	}
	const at = (p.get('at') || '').split(',').map(Number);
	if (at.length === 2 && at.every(Number.isFinite) &&
	    Math.abs(at[0]) <= 90 && Math.abs(at[1]) <= 180)
		v.at = at;
	const z = Number(p.get('z'));
	if (p.get('z') !== null && Number.isInteger(z) && z >= 0 && z <= 19)
		v.z = z;
	if (p.get('color') === 'state')
		v.color = 'state';
	return v;
}

// The query part of a fragment for view v (stable order, empty left out).
export function formatView(v) {
	const p = new URLSearchParams();
	for (const k of FILTER_KEYS) {
		const x = v[k];
		if (Array.isArray(x) ? x.length : x)
			p.set(k, Array.isArray(x) ? x.join(',') : x);
	}
	if (v.at)
		p.set('at', v.at.map((n) => n.toFixed(4)).join(','));
	if (v.z !== null && v.z !== undefined)
		p.set('z', String(v.z));
	if (v.color === 'state')
		p.set('color', 'state');
	return p.toString().replace(/%2C/g, ',');
}

// A day "YYYY-MM-DD" as the RFC 3339 start (or end) of that UTC day.
export function dayBound(day, end) {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(day))
		return null;
	return day + (end ? 'T23:59:59Z' : 'T00:00:00Z');
}

// The API's query for the filters it applies itself (GET /v1/incidents).
export function serverQuery(v) {
	const p = new URLSearchParams();
	if (v.category.length)
		p.set('category', v.category.join(','));
	if (v.from && dayBound(v.from, false))
		p.set('from', dayBound(v.from, false));
	if (v.to && dayBound(v.to, true))
		p.set('to', dayBound(v.to, true));
	if (v.zone)
		p.set('zone', v.zone);
	return p;
}

// Whether feature f passes the filters the API does not apply (state,
// source type, member).
export function clientMatch(v, f) {
	const pr = f.properties || {};
	const co = pr.corroboration || {};
	if (v.state.length && !v.state.includes(pr.state))
		return false;
	if (v.source.length && !(co.source_types || []).some((s) =>
	    v.source.includes(s)))
		return false;
	if (v.member.length && !(co.members || []).some((m) =>
	    v.member.includes(m)))
		return false;
	return true;
}

// The rows of a page of the map's listing (GET /v1/incidents?format=map,
// its `fields` given) as the part of a GeoJSON Feature the map, its filters
// and its table read: the same shape as the full listing's, with less in
// it. The cells are found by name once per page.
export function incidentsOfRows(fields, rows) {
	const at = {};
	fields.forEach((f, i) => { at[f] = i; });
	const cell = (row, name) => (name in at ? row[at[name]] : undefined);
	const iso = (ms) => (typeof ms === 'number' ?
	    new Date(ms).toISOString().replace('.000Z', 'Z') : null);
	const out = new Array(rows.length);
	for (let i = 0; i < rows.length; i++) {
		const r = rows[i];
		const lon = cell(r, 'lon'), lat = cell(r, 'lat');
		const located = typeof lon === 'number' && typeof lat === 'number';
		const e = cell(r, 'ellipse');
		out[i] = { type: 'Feature', id: cell(r, 'id'),
			geometry: located ? { type: 'Point',
			    coordinates: [lon, lat] } : null,
			properties: { category: cell(r, 'category'),
			    state: cell(r, 'state'),
			    time_window: { from: iso(cell(r, 'from_ms')),
				to: iso(cell(r, 'to_ms')) },
			    zone: cell(r, 'zone') ?? null,
			    count: { value: cell(r, 'count') },
			    corroboration: { source_types:
				cell(r, 'source_types') || [],
				members: cell(r, 'members') || [] },
			    position: located ? { lat, lon } : null,
			    ellipse: Array.isArray(e) ? { semi_major_m: e[0],
				semi_minor_m: e[1], orientation_deg: e[2] } : null } };
	}
	return out;
}

// One row (incidentsOfRows).
export function incidentOfRow(fields, row) {
	return incidentsOfRows(fields, [row])[0];
}
