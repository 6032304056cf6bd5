// note: checks in the browser what the center's log and the members'
// witnesses signed — C2SP signed notes (Ed25519, type 0x01), C2SP
// tlog-cosignature/v1 (type 0x04), the tlog-checkpoint body, and RFC 9162
// inclusion proofs against its root (src/tlog/note.h says the same for
// the C side). Pure: no DOM, no network. Hashes and signatures come from
// @noble (npm), so the check runs also where WebCrypto is not offered
// (a center reached over plain HTTP on its own network).
import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha256';

const enc = new TextEncoder();

export function b64decode(s) {
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0)
		throw new Error('not base64');
	const bin = atob(s);
	const out = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++)
		out[i] = bin.charCodeAt(i);
	return out;
}

export function b64encode(bytes) {
	let s = '';
	for (const b of bytes)
		s += String.fromCharCode(b);
	return btoa(s);
}

function concat(...parts) {
	const n = parts.reduce((a, p) => a + p.length, 0);
	const out = new Uint8Array(n);
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

function equal(a, b) {
	if (a.length !== b.length)
		return false;
	let d = 0;
	for (let i = 0; i < a.length; i++)
		d |= a[i] ^ b[i];
	return d === 0;
}

function keyId(name, type, pub) {
	const h = sha256(concat(enc.encode(name), Uint8Array.of(0x0a, type),
	    pub));
	return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

// A verifier key "<name>+<hex key id>+base64(type || key)": {name, id,
// type, pub}, or throws.
export function parseVkey(vkey) {
	const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(
	    (vkey || '').trim());
	if (!m)
		throw new Error('not a verifier key');
	const raw = b64decode(m[3]);
	if (raw.length !== 33 || (raw[0] !== 0x01 && raw[0] !== 0x04))
		throw new Error('not an Ed25519 verifier key');
	const v = { name: m[1], id: parseInt(m[2], 16), type: raw[0],
		pub: raw.slice(1) };
	if (keyId(v.name, v.type, v.pub) !== v.id)
		throw new Error('key id does not match the key');
	return v;
}

// Splits a signed note: {text (bytes, ending in "\n"), textString,
// signatures: [{name, id, blob}]}, or throws.
export function splitNote(note) {
	const i = note.lastIndexOf('\n\n');
	if (i < 0)
		throw new Error('not a signed note');
	const textString = note.slice(0, i + 1);
	const sigs = [];
	for (const line of note.slice(i + 2).split('\n')) {
		if (line === '')
			continue;
		const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
		if (!m)
			throw new Error('malformed signature line');
		const blob = b64decode(m[2]);
		if (blob.length < 5)
			throw new Error('short signature');
		sigs.push({ name: m[1], id: ((blob[0] << 24) | (blob[1] << 16) |
			(blob[2] << 8) | blob[3]) >>> 0, blob: blob.slice(4) });
	}
	return { text: enc.encode(textString), textString, signatures: sigs };
}

// The checkpoint body "origin\nsize\nroot\n...": {origin, size, root}.
export function parseCheckpoint(textString) {
	const lines = textString.split('\n');
	if (lines.length < 4 || !/^[0-9]+$/.test(lines[1]))
		throw new Error('not a checkpoint');
	const root = b64decode(lines[2]);
	if (root.length !== 32)
		throw new Error('root is not 32 bytes');
	return { origin: lines[0], size: Number(lines[1]), root };
}

// Verifies one signature of note n with verifier v: {ok, time?} (time:
// the cosignature's timestamp in seconds).
function verifyWith(n, sig, v) {
	if (v.type === 0x01) {
		if (sig.blob.length !== 64)
			return { ok: false };
		return { ok: ed25519.verify(sig.blob, n.text, v.pub) };
	}
	if (sig.blob.length !== 72)
		return { ok: false };
	let ts = 0n;
	for (let i = 0; i < 8; i++)
		ts = (ts << 8n) | BigInt(sig.blob[i]);
	const msg = concat(enc.encode('cosignature/v1\ntime ' + ts + '\n'),
	    n.text);
	return { ok: ed25519.verify(sig.blob.slice(8), msg, v.pub),
		time: Number(ts) };
}

// Checks a joint checkpoint against pinned keys {log_key, witnesses[],
// quorum}: {checkpoint, log: {ok, name}, cosigners: [{name, ok, time}],
// valid (log ok and at least quorum cosigners ok), problems: [text]}.
export function verifyJoint(note, pins) {
	const problems = [];
	const n = splitNote(note);
	const cp = parseCheckpoint(n.textString);
	const logv = parseVkey(pins.log_key);
	const res = { checkpoint: cp, log: { name: logv.name, ok: false },
		cosigners: [], valid: false, problems };
	if (cp.origin !== logv.name)
		problems.push('origin ' + cp.origin + ' is not the pinned log ' +
		    logv.name);
	const wits = (pins.witnesses || []).map(parseVkey);
	for (const sig of n.signatures) {
		if (sig.name === logv.name && sig.id === logv.id) {
			res.log.ok = verifyWith(n, sig, logv).ok;
			if (!res.log.ok)
				problems.push('the log signature does not verify');
			continue;
		}
		const w = wits.find((k) => k.name === sig.name && k.id === sig.id);
		if (!w) {
			res.cosigners.push({ name: sig.name, ok: false,
				unknown: true });
			continue;
		}
		const r = verifyWith(n, sig, w);
		res.cosigners.push({ name: sig.name, ok: r.ok, time: r.time });
		if (!r.ok)
			problems.push('the cosignature of ' + sig.name +
			    ' does not verify');
	}
	if (!n.signatures.some((s) => s.name === logv.name))
		problems.push('no signature of the pinned log key');
	const good = res.cosigners.filter((c) => c.ok).length;
	const quorum = pins.quorum || wits.length;
	if (good < quorum)
		problems.push(good + ' verified cosignatures, fewer than the ' +
		    quorum + ' required');
	res.valid = res.log.ok && good >= quorum && problems.length === 0;
	return res;
}

export function leafHash(entry) {
	return sha256(concat(Uint8Array.of(0), entry));
}

function nodeHash(l, r) {
	return sha256(concat(Uint8Array.of(1), l, r));
}

// RFC 9162 section 2.1.3.2: whether proof (hashes) shows leaf at index
// in the tree of size whose root is root.
export function verifyInclusion(index, size, leaf, proof, root) {
	if (index >= size || index < 0)
		return false;
	let fn = index, sn = size - 1, r = leaf;
	for (const p of proof) {
		if (sn === 0)
			return false;
		if (fn % 2 === 1 || fn === sn) {
			r = nodeHash(p, r);
			if (fn % 2 === 0)
				while (fn % 2 === 0 && fn !== 0) {
					fn = Math.floor(fn / 2);
					sn = Math.floor(sn / 2);
				}
		} else {
			r = nodeHash(r, p);
		}
		fn = Math.floor(fn / 2);
		sn = Math.floor(sn / 2);
	}
	return sn === 0 && equal(r, root);
}

// The C2SP tlog-tiles path of entry bundle n ("x001/x234/067"), partial
// when the tree of size ends inside it.
export function entriesPath(n, size) {
	let s = String(n % 1000).padStart(3, '0');
	for (let m = Math.floor(n / 1000); m > 0; m = Math.floor(m / 1000))
		s = 'x' + String(m % 1000).padStart(3, '0') + '/' + s;
	const w = size - n * 256;
	return '/tile/entries/' + s + (w < 256 ? '.p/' + w : '');
}

// Entry k of an entry bundle (uint16 big-endian length, then the bytes).
export function bundleEntry(bundle, k) {
	let o = 0;
	for (let i = 0; o + 2 <= bundle.length; i++) {
		const len = (bundle[o] << 8) | bundle[o + 1];
		if (o + 2 + len > bundle.length)
			break;
		if (i === k)
			return bundle.slice(o + 2, o + 2 + len);
		o += 2 + len;
	}
	throw new Error('entry ' + k + ' is not in the bundle');
}
