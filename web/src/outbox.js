// outbox: observations captured in the field wait in IndexedDB until the
// center can be reached, then are POSTed to /v1/observations. An
// observation's id is the hash of its canonical entry, so sending the same
// item twice (a lost answer, two tabs) stores it once: the center answers
// 200 with the same id. Each item's state: queued, sending, sent (with
// its id and log index), refused (with the center's reason).
import * as api from './api.js';

const DB = 'truce-field';
const STORE = 'outbox';
const MAX_ITEMS = 1000;

function open() {
	return new Promise((resolve, reject) => {
		const rq = indexedDB.open(DB, 1);
		rq.onupgradeneeded = () => rq.result.createObjectStore(STORE,
		    { keyPath: 'key', autoIncrement: true });
		rq.onsuccess = () => resolve(rq.result);
		rq.onerror = () => reject(rq.error);
	});
}

async function tx(mode, fn) {
	const db = await open();
	return new Promise((resolve, reject) => {
		const t = db.transaction(STORE, mode);
		const out = fn(t.objectStore(STORE));
		t.oncomplete = () => {
			db.close();
			resolve(out && 'result' in out ? out.result : undefined);
		};
		t.onerror = () => {
			db.close();
			reject(t.error);
		};
	});
}

export async function items() {
	return (await tx('readonly', (s) => s.getAll())) || [];
}

export async function enqueue(observation) {
	if ((await items()).length >= MAX_ITEMS)
		throw new Error('the outbox holds ' + MAX_ITEMS + ' items: send ' +
		    'or clear them first');
	await tx('readwrite', (s) => s.add({ observation, state: 'queued',
		queued_at: new Date().toISOString() }));
}

async function put(item) {
	await tx('readwrite', (s) => s.put(item));
}

export async function clearSent() {
	for (const it of await items())
		if (it.state === 'sent')
			await tx('readwrite', (s) => s.delete(it.key));
}

let flushing = false;
const watchers = new Set();

// Calls fn after each change of an item's state; returns the function
// that stops it.
export function watch(fn) {
	watchers.add(fn);
	return () => watchers.delete(fn);
}

function onChange() {
	for (const fn of watchers)
		fn();
}

// Sends what waits, telling the watchers after each item. Network errors
// leave the item queued for the next try.
export async function flush() {
	if (flushing || !api.token())
		return;
	flushing = true;
	try {
		for (const it of await items()) {
			if (it.state !== 'queued' && it.state !== 'sending')
				continue;
			it.state = 'sending';
			await put(it);
			onChange();
			try {
				const r = await api.post('/v1/observations', it.observation);
				it.state = 'sent';
				it.id = r.id;
				it.index = r.index;
			} catch (e) {
				if (e instanceof api.ApiError && e.status >= 400 &&
				    e.status < 500 && e.status !== 408 && e.status !== 429 &&
				    e.status !== 401) {
					it.state = 'refused';
					it.reason = e.message;
				} else {
					it.state = 'queued';
				}
			}
			await put(it);
			onChange();
			if (it.state === 'queued')
				break;	/* offline: try again later */
		}
	} finally {
		flushing = false;
	}
}
