// ledger: the joint checkpoint verified in the browser against the keys
// pinned at first login, and inclusion proofs of an incident's entries.
import * as api from './api.js';
import { verifyJoint, verifyInclusion, leafHash, entriesPath, bundleEntry,
	b64decode, b64encode } from './note.js';

const PINS_KEY = 'truce.pins';
let region = null;

// The center's time zone, from its region (GET /v1/log/witnesses), for
// showing times beside UTC; null when unknown.
export function centerTimeZone() {
	return { karabakh: 'Asia/Baku', donbas: 'Europe/Kyiv' }[region] || null;
}

export function pins() {
	try {
		return JSON.parse(localStorage.getItem(PINS_KEY) || 'null');
	} catch (e) {
		return null;
	}
}

// At login: pins the center's keys the first time (trust on first use,
// shown to the user to compare out of band); later, reports whether the
// center now names other keys. {pins, first, changed}.
export async function pinAtLogin() {
	const now = await api.get('/v1/log/witnesses', { anonymous: true });
	region = now.region || null;
	const old = pins();
	const fresh = { origin: now.origin, log_key: now.log_key,
		witnesses: now.witnesses, quorum: now.quorum,
		pinned_at: new Date().toISOString() };
	if (!old || old.origin !== now.origin) {
		localStorage.setItem(PINS_KEY, JSON.stringify(fresh));
		return { pins: fresh, first: true, changed: false };
	}
	const changed = old.log_key !== now.log_key ||
	    JSON.stringify([...old.witnesses].sort()) !==
	    JSON.stringify([...now.witnesses].sort());
	return { pins: old, first: false, changed };
}

export function forgetPins() {
	localStorage.removeItem(PINS_KEY);
}

// The joint checkpoint as served, checked: verifyJoint's result plus the
// note's text, or {error}.
export async function jointCheckpoint() {
	const p = pins();
	const note = await api.text('/checkpoint', { anonymous: true });
	if (!p)
		return { error: 'no pinned keys', note };
	try {
		return Object.assign(verifyJoint(note, p), { note });
	} catch (e) {
		return { error: e.message, note, valid: false };
	}
}

function canonical(v) {
	if (Array.isArray(v))
		return '[' + v.map(canonical).join(',') + ']';
	if (v && typeof v === 'object')
		return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) +
		    ':' + canonical(v[k])).join(',') + '}';
	return JSON.stringify(v);
}

// Proves that log entry index is in the tree the checked joint checkpoint
// cp commits to: reads the entry's bytes from the log's entry bundle,
// hashes them, checks the center's inclusion proof against cp's root, and
// that shown (the entry the page shows, if given) is that entry.
// {ok, reason, leaf}.
export async function proveEntry(index, cp, shown) {
	if (index >= cp.size)
		return { ok: false, reason: 'later' };
	const bundle = await api.bytes(entriesPath(Math.floor(index / 256),
	    cp.size));
	const entry = bundleEntry(bundle, index % 256);
	const leaf = leafHash(entry);
	const pr = await api.get('/v1/log/proof/inclusion?index=' + index +
	    '&size=' + cp.size);
	const proof = pr.proof.map(b64decode);
	if (!verifyInclusion(index, cp.size, leaf, proof, cp.root))
		return { ok: false, reason: 'proof', leaf: b64encode(leaf) };
	if (shown !== undefined && shown !== null) {
		const logged = JSON.parse(new TextDecoder().decode(entry));
		if (canonical(logged) !== canonical(shown))
			return { ok: false, reason: 'differs', leaf: b64encode(leaf) };
	}
	return { ok: true, leaf: b64encode(leaf) };
}
