// api: the center's HTTP API (docs/api.md), same origin only. The bearer
// token lives in sessionStorage (gone when the tab closes), never in a URL.
import { incidentsOfRows } from './view.js';

const TOKEN_KEY = 'truce.token';

export function token() {
	return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t) {
	if (t)
		sessionStorage.setItem(TOKEN_KEY, t);
	else
		sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
	constructor(status, detail) {
		super(detail || ('HTTP ' + status));
		this.status = status;
	}
}

async function request(path, opts = {}) {
	const headers = Object.assign({}, opts.headers || {});
	const t = token();
	if (t && !opts.anonymous)
		headers.Authorization = 'Bearer ' + t;
	const r = await fetch(path, { method: opts.method || 'GET', headers,
		body: opts.body, cache: 'no-store', credentials: 'omit' });
	if (!r.ok) {
		let detail = '';
		try {
			detail = (await r.json()).detail;
		} catch (e) {
			detail = r.statusText;
		}
		throw new ApiError(r.status, detail);
	}
	return r;
}

export async function get(path, opts) {
	return (await request(path, opts)).json();
}

export async function text(path, opts) {
	return (await request(path, opts)).text();
}

export async function bytes(path, opts) {
	return new Uint8Array(await (await request(path, opts)).arrayBuffer());
}

export async function post(path, body) {
	return (await request(path, { method: 'POST', body: JSON.stringify(body),
		headers: { 'Content-Type': 'application/json' } })).json();
}

// POSTs a signed note (text/plain; charset=utf-8).
export async function postNote(path, note) {
	return (await request(path, { method: 'POST', body: note,
		headers: { 'Content-Type': 'text/plain; charset=utf-8' } })).json();
}

// Every page of a listing (GET /v1/incidents): the features, following
// `next` (1,000 a page) up to max.
export async function allPages(path, query, max = 100000) {
	const out = [];
	let cursor = null;
	do {
		const q = new URLSearchParams(query);
		q.set('limit', '1000');
		if (cursor)
			q.set('cursor', cursor);
		const page = await get(path + '?' + q.toString());
		out.push(...page.features);
		cursor = page.next;
	} while (cursor && out.length < max);
	return out;
}

// The map's listing (GET /v1/incidents?format=map): every incident of the
// query as a light Feature (view.js incidentsOfRows), 25,000 a request.
export async function mapListing(query) {
	const out = [];
	let cursor = null;
	do {
		const q = new URLSearchParams(query);
		q.set('format', 'map');
		if (cursor)
			q.set('cursor', cursor);
		const page = await get('/v1/incidents?' + q.toString());
		for (const f of incidentsOfRows(page.fields, page.incidents))
			out.push(f);
		cursor = page.next;
	} while (cursor);
	return out;
}
