// Unit tests of the dashboard's pure modules (node --test), against a
// checkpoint and keys made by truce itself (fixtures written by
// tests/integration/dashboard.t) and against hand-made vectors.
import test from 'node:test';
import assert from 'node:assert/strict';
import { verifyInclusion, leafHash, entriesPath, bundleEntry,
	parseVkey, splitNote } from '../src/note.js';
import { parseView, formatView, serverQuery, clientMatch, incidentOfRow } from
	'../src/view.js';
import { toCSV, toKML } from '../src/exporting.js';
import { sha256 } from '@noble/hashes/sha256';

const H = (...a) => sha256(Uint8Array.from(a.flatMap((x) => [...x])));

test('inclusion proof of a 3-leaf tree', () => {
	const l = [0, 1, 2].map((i) => leafHash(Uint8Array.of(i)));
	const n01 = H([1], l[0], l[1]);
	const root = H([1], n01, l[2]);
	assert.ok(verifyInclusion(2, 3, l[2], [n01], root));
	assert.ok(verifyInclusion(0, 3, l[0], [l[1], l[2]], root));
	assert.ok(verifyInclusion(1, 3, l[1], [l[0], l[2]], root));
	assert.ok(!verifyInclusion(1, 3, l[0], [l[0], l[2]], root));
	assert.ok(!verifyInclusion(3, 3, l[2], [n01], root));
});

test('entry bundle paths and entries', () => {
	assert.equal(entriesPath(0, 79), '/tile/entries/000.p/79');
	assert.equal(entriesPath(1, 1000), '/tile/entries/001');
	assert.equal(entriesPath(1234067, 1e12), '/tile/entries/x001/x234/067');
	const b = Uint8Array.of(0, 1, 7, 0, 2, 8, 9);
	assert.deepEqual([...bundleEntry(b, 1)], [8, 9]);
	assert.throws(() => bundleEntry(b, 2));
});

test('verifier keys and notes are parsed strictly', () => {
	assert.throws(() => parseVkey('x+00000000+AQ=='));
	assert.throws(() => splitNote('no signatures'));
});

test('the view round-trips through the URL', () => {
	const q = 'category=explosion,burst_or_shot&from=2026-11-01&state=' +
	    'received&at=40.0000,46.9000&z=9&color=state';
	const v = parseView(q);
	assert.deepEqual(v.category, ['explosion', 'burst_or_shot']);
	assert.equal(v.z, 9);
	assert.equal(formatView(v), q);
	assert.equal(serverQuery(v).toString(),
	    'category=explosion%2Cburst_or_shot&from=2026-11-01T00%3A00%3A00Z');
	assert.ok(clientMatch(v, { properties: { state: 'received' } }));
	assert.ok(!clientMatch(v, { properties: { state: 'closed' } }));
	assert.equal(parseView('z=99&at=200,1').z, null);
});

test('exports quote and neutralise what they must', () => {
	const f = { id: 'inc-1', geometry: { type: 'Point',
		coordinates: [46.9, 40] }, properties: { category: 'explosion',
		description: '=cmd, "x" <b>' } };
	const csv = toCSV([f]).split('\r\n');
	assert.match(csv[1], /"'=cmd, ""x"" <b>"/);
	assert.match(toKML([f]), /&lt;b&gt;/);
});

test('server-sent events are parsed as the standard says', async () => {
	const { parseEvents } = await import('../src/live.js');
	const got = [];
	const st = { id: null, type: '', data: [] };
	let rest = parseEvents(': heartbeat\nid: 7\nevent: observation\n' +
	    'data: {"a":1}\n\nid: 8\r\ndata: x\r\ndata: y\r\n\r\nid: 9\ndata: par',
	    st, (e) => got.push(e));
	assert.deepEqual(got, [{ id: '7', type: 'observation', data: '{"a":1}' },
		{ id: '8', type: 'message', data: 'x\ny' }]);
	rest = parseEvents(rest + 'tial\n\n', st, (e) => got.push(e));
	assert.equal(rest, '');
	assert.deepEqual(got[2], { id: '9', type: 'message', data: 'partial' });
});

test('assessments are canonical JSON signed as truce does', async () => {
	const { canonical, assessmentNote } = await import('../src/assess.js');
	assert.equal(canonical({ b: 1, a: ['x\u0001"\u00e9\u2028', -3], c: null }),
	    '{"a":["x\\u0001\\"\u00e9\u2028",-3],"b":1,"c":null}');
	assert.throws(() => canonical({ x: 1.5 }));
	// A key with a known seed (32 zero bytes) named RU.
	const { ed25519 } = await import('@noble/curves/ed25519');
	const { sha256: h } = await import('@noble/hashes/sha256');
	const seed = new Uint8Array(32);
	const pub = ed25519.getPublicKey(seed);
	const d = h(Uint8Array.from([82, 85, 10, 1, ...pub]));
	const id = Buffer.from(d.slice(0, 4)).toString('hex');
	const skey = 'PRIVATE+KEY+RU+' + id + '+' +
	    Buffer.from([1, ...seed]).toString('base64');
	const r = assessmentNote(skey, 'inc-000000000000000000000000', 2,
	    { verdict: 'violation', attribution: 'unknown', confidence: 'high',
		rationale: 'Craters.' }, 1700000000000);
	assert.equal(r.member, 'RU');
	assert.match(r.note, /^\{"assessed_at_ms":1700000000000,"attribution":"unknown","confidence":"high","evidence":\[\],"incident":"inc-0+","member":"RU","rationale":"Craters\.","revision":2,"type":"assessment","v":1,"verdict":"violation"\}\n\n\u2014 RU [A-Za-z0-9+/=]+\n$/);
	assert.throws(() => assessmentNote(skey.replace(id, '00000000'), 'i', 1,
	    {}, 1));
});

test('a row of the map listing reads as its Feature', () => {
	const fields = ['id', 'lon', 'lat', 'category', 'state', 'from_ms',
		'to_ms', 'zone', 'count', 'source_types', 'members', 'ellipse'];
	const f = incidentOfRow(fields, ['inc-1', 46.5, 39.9, 'explosion',
		'disputed', 1740788277000, 1740788336500, 'Azerbaijan', 7,
		['patrol'], ['RU'], [769, 500, 90]]);
	assert.deepEqual(f.geometry.coordinates, [46.5, 39.9]);
	assert.equal(f.properties.time_window.from, '2025-03-01T00:17:57Z');
	assert.equal(f.properties.time_window.to, '2025-03-01T00:18:56.500Z');
	assert.deepEqual(f.properties.ellipse, { semi_major_m: 769,
		semi_minor_m: 500, orientation_deg: 90 });
	const v = parseView('state=disputed&source=patrol&member=RU');
	assert.ok(clientMatch(v, f));
	assert.ok(!clientMatch(parseView('member=TR'), f));
	const u = incidentOfRow(fields, ['inc-2', null, null, 'other',
		'received', 0, 0, null, 1, [], [], null]);
	assert.equal(u.geometry, null);
	assert.equal(u.properties.position, null);
	// Cells are read by name: a center adding one breaks nothing.
	const g = incidentOfRow(['lat', 'id', 'lon'], [1, 'inc-3', 2]);
	assert.deepEqual(g.geometry.coordinates, [2, 1]);
});

test('report signatures are the text truce report sign signs', async () => {
	const { reportSignatureNote, reportHash } = await import(
	    '../src/assess.js');
	const { b64encode } = await import('../src/note.js');
	const { ed25519 } = await import('@noble/curves/ed25519');
	const { sha256: h } = await import('@noble/hashes/sha256');
	const seed = new Uint8Array(32).fill(7);
	const pub = ed25519.getPublicKey(seed);
	const d = h(Uint8Array.from([...new TextEncoder().encode('RU'), 0x0a,
		0x01, ...pub]));
	const key = 'PRIVATE+KEY+RU+' + [...d.slice(0, 4)].map((b) =>
	    b.toString(16).padStart(2, '0')).join('') + '+' +
	    b64encode(Uint8Array.from([0x01, ...seed]));
	const id = 'ab'.repeat(32);
	const s = reportSignatureNote(key, id, 'Daily Report 1/2026', false,
	    'ignored', 1700000000000);
	assert.equal(s.member, 'RU');
	assert.ok(s.note.startsWith('{"decision":"sign","member":"RU",' +
	    '"number":"Daily Report 1/2026","report":"' + id + '",' +
	    '"signed_at_ms":1700000000000,"type":"report_signature","v":1}\n\n' +
	    '\u2014 RU '));
	const r = reportSignatureNote(key, id, 'Daily Report 1/2026', true,
	    'figures', 1);
	assert.ok(r.note.startsWith('{"decision":"refuse","member":"RU",' +
	    '"number":"Daily Report 1/2026","reason":"figures","report":"' +
	    id + '","signed_at_ms":1,"type":"report_signature","v":1}\n'));
	assert.equal(reportHash({ b: 1, a: 'x' }), [...h(new TextEncoder()
	    .encode('{"a":"x","b":1}'))].map((b) => b.toString(16)
	    .padStart(2, '0')).join(''));
	assert.throws(() => reportHash({ x: 0.5 }));
});
