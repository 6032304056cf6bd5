// assess: a member's assessment signed in the browser, byte for byte what
// `truce assess` makes for the same input (src/cli/cmd_assess.c,
// src/verify/assessment.c): the assessment's canonical JSON
// (src/record/canon.h: RFC 8785 restricted to integers) and a newline,
// signed as a C2SP signed note with the member's Ed25519 key. The key is
// read from the assessor's own file and kept only for the call: never
// sent, stored or logged. Pure: no DOM, no network.
import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha256';
import { b64decode, b64encode } from './note.js';

const enc = new TextEncoder();

// Canonical JSON of v (objects' keys sorted, no white space, integers
// only). JSON.stringify's string escapes are RFC 8785's.
export function canonical(v) {
	if (Array.isArray(v))
		return '[' + v.map(canonical).join(',') + ']';
	if (v !== null && typeof v === 'object')
		return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) +
		    ':' + canonical(v[k])).join(',') + '}';
	if (typeof v === 'number' && !Number.isSafeInteger(v))
		throw new Error('not an integer in the safe range: ' + v);
	return JSON.stringify(v);
}

// A private key file ("PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)",
// as `truce keygen MEMBER` writes it): {name, id, seed, pub}, or throws.
export function parseSkey(text) {
	const m = /^PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/
	    .exec(String(text).trim());
	if (!m)
		throw new Error('not a truce private key file');
	const raw = b64decode(m[3]);
	if (raw.length !== 33 || raw[0] !== 0x01)
		throw new Error("not a member's Ed25519 note key");
	const seed = raw.slice(1);
	const pub = ed25519.getPublicKey(seed);
	const h = sha256(Uint8Array.from([...enc.encode(m[1]), 0x0a, 0x01,
		...pub]));
	const id = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
	if (id !== parseInt(m[2], 16))
		throw new Error('the key id does not match the key');
	return { name: m[1], id, seed, pub };
}

// The assessment entry (assessment_new's fields).
export function assessment(incident, member, revision, f, atMs) {
	return { type: 'assessment', v: 1, incident, member, revision,
		verdict: f.verdict, attribution: f.attribution,
		confidence: f.confidence, rationale: f.rationale,
		evidence: f.evidence || [], assessed_at_ms: atMs };
}

// The signed note of text (ending in "\n") by key k.
export function signNote(text, k) {
	const msg = enc.encode(text);
	const sig = ed25519.sign(msg, k.seed);
	const blob = new Uint8Array(4 + sig.length);
	blob[0] = k.id >>> 24;
	blob[1] = (k.id >>> 16) & 0xff;
	blob[2] = (k.id >>> 8) & 0xff;
	blob[3] = k.id & 0xff;
	blob.set(sig, 4);
	return text + '\n\u2014 ' + k.name + ' ' + b64encode(blob) + '\n';
}

// The signed assessment note, as `truce assess` makes it.
export function assessmentNote(keyText, incident, revision, fields, atMs) {
	const k = parseSkey(keyText);
	const text = canonical(assessment(incident, k.name, revision, fields,
	    atMs)) + '\n';
	return { member: k.name, note: signNote(text, k) };
}

// The SHA-256 (hex) of a report's canonical bytes: its id (src/report/
// report.c report_encode). A report holds integers only, as canon wants.
export function reportHash(report) {
	return [...sha256(enc.encode(canonical(report)))].map((b) =>
	    b.toString(16).padStart(2, '0')).join('');
}

// The signed note of a member's signature (or refusal, with its reason)
// of report id, as `truce report sign ID --key KEYFILE [--refuse REASON]`
// makes it (src/report/reportentry.c reportentry_signature_text): the
// canonical JSON of {"type":"report_signature","v":1,"report","number",
// "member" (the key's name),"decision","reason" (a refusal only),
// "signed_at_ms"} and a newline.
export function reportSignatureNote(keyText, id, number, refuse, reason,
    atMs) {
	const k = parseSkey(keyText);
	const s = { type: 'report_signature', v: 1, report: id, number,
		member: k.name, decision: refuse ? 'refuse' : 'sign',
		signed_at_ms: atMs };
	if (refuse)
		s.reason = reason;
	return { member: k.name, note: signNote(canonical(s) + '\n', k) };
}
