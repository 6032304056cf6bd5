// The dashboard: shell, login, router and the screens (docs/dashboard.md).
// Routes live in the URL's fragment (#/map?…, #/queue, #/incident/ID,
// #/ledger), which never reaches the server.
import * as api from './api.js';
import { h, clear } from './dom.js';
import { t, initLang, setLang, currentLang, LANGS, fmtTime } from './i18n.js';
import { mapScreen, prefetchMap } from './map.js';
import { STATES } from './palette.js';
import { pins, pinAtLogin, forgetPins, jointCheckpoint, proveEntry,
	centerTimeZone } from './ledger.js';
import { startLive } from './live.js';
import { assessmentNote } from './assess.js';
import { captureScreen } from './capture.js';
import { reportsScreen, reportScreen } from './reports.js';
import { sha256 } from '@noble/hashes/sha256';
import * as outbox from './outbox.js';

const READERS = ['admin', 'monitor', 'liaison', 'analyst', 'assessor',
	'viewer'];
const LOG_READERS = ['admin', 'monitor', 'analyst', 'assessor', 'viewer'];
const MOVERS = ['admin', 'analyst'];
const SUBMITTERS = ['admin', 'monitor', 'sensor', 'liaison'];
const ME_KEY = 'truce.me';

const ctx = { me: null, members: [], pinState: null, refresh: null,
	screen: null };
let teardown = null;
let stopLive = null;
const NOTICES_MAX = 5;

// A short line for an event of the stream.
function describe(ev) {
	const j = ev.json || {};
	const what = j.incident || j.id || '';
	return t('live.event', { index: ev.id ?? '?', type: t('live.type.' +
	    ev.type) === 'live.type.' + ev.type ? ev.type :
	    t('live.type.' + ev.type), what });
}

let refreshTimer = null;
function onLive(ev) {
	const list = document.getElementById('notices');
	if (list) {
		list.prepend(h('li', { class: ev.type === 'alert' ? 'alert' : '',
		    role: ev.type === 'alert' ? 'alert' : null }, describe(ev)));
		while (list.children.length > NOTICES_MAX)
			list.lastChild.remove();
	}
	if (ctx.screen === 'ledger' && ev.type !== 'checkpoint')
		return;
	if (ctx.screen === 'incident' && !(ev.data || '').includes(
	    decodeURIComponent(location.hash.split('/')[2] || '-')))
		return;
	/* Never redraw under a user who is filling in a form: what they
	   typed and ticked would go. The next visit shows the news. */
	if (ctx.editing)
		return;
	// Bursts of entries are one refresh.
	clearTimeout(refreshTimer);
	// The user may have started filling in a form since the event came:
	// asked again when the refresh is due.
	refreshTimer = setTimeout(() => !ctx.editing && ctx.refresh &&
	    ctx.refresh(), 300);
}

// What a form answered, kept across the screen's live refreshes (an event
// of the stream about this incident redraws it) until the user goes to
// another screen.
const flash = new Map();

function statusLine(id) {
	const p = h('p', { role: 'status', id });
	const f = flash.get(id);
	if (f) {
		p.textContent = f.text;
		Object.assign(p.dataset, f.data || {});
	}
	return p;
}

function tell(p, text, data) {
	/* The answer may come after a live refresh redrew the screen: write
	   it where the line is now, too. */
	const live = document.getElementById(p.id);

	for (const el of live && live !== p ? [p, live] : [p]) {
		el.textContent = text;
		Object.assign(el.dataset, data || {});
	}
	flash.set(p.id, { text, data });
}

function may(roles) {
	return ctx.me && roles.includes(ctx.me.role);
}

function say(msg, kind) {
	const s = document.getElementById('status');
	s.textContent = msg || '';
	s.className = kind || '';
}

function nav() {
	const items = [];
	if (may(READERS))
		items.push(['map', t('nav.map')]);
	if (may(SUBMITTERS))
		items.push(['capture', t('nav.capture')]);
	items.push(['queue', t('nav.queue')]);
	if (may(READERS))
		items.push(['reports', t('nav.reports')]);
	items.push(['ledger', t('nav.ledger')]);
	const cur = (location.hash.split('?')[0].split('/')[1]) || '';
	return h('nav', { 'aria-label': t('nav.main') }, h('ul', {},
	    items.map(([k, label]) => h('li', {}, h('a', { href: '#/' + k,
		id: 'nav-' + k, 'aria-current': cur === k ? 'page' : null },
		label)))));
}

function langPicker() {
	const sel = h('select', { id: 'lang', 'aria-label': t('language') },
	    Object.keys(LANGS).map((l) => h('option', { value: l,
		selected: l === currentLang() }, LANGS[l]['lang.name'])));
	sel.addEventListener('change', () => {
		setLang(sel.value);
		render();
	});
	return sel;
}

function shell() {
	const header = document.getElementById('top');
	clear(header).append(
	    h('h1', {}, h('a', { href: '#/' }, t('title'))),
	    ctx.me ? nav() : null,
	    h('div', { class: 'who' },
		langPicker(),
		ctx.me ? h('span', { id: 'me' }, t('signed_in_as', {
		    name: ctx.me.name, role: t('role.' + ctx.me.role) })) : null,
		ctx.me ? h('button', { type: 'button', id: 'logout',
		    onclick: logout }, t('logout')) : null));
}

function logout() {
	if (stopLive)
		stopLive();
	stopLive = null;
	api.setToken(null);
	sessionStorage.removeItem(ME_KEY);
	ctx.me = null;
	location.hash = '#/login';
	render();
}

async function login(tokenValue) {
	api.setToken(tokenValue);
	try {
		ctx.me = await api.get('/v1/me');
	} catch (e) {
		// Offline (no answer at all): the session goes on as it was, for
		// field capture; a refused token ends it.
		const kept = sessionStorage.getItem(ME_KEY);
		if (!(e instanceof api.ApiError) && kept) {
			ctx.me = JSON.parse(kept);
			ctx.members = [];
			return;
		}
		api.setToken(null);
		ctx.me = null;
		throw e;
	}
	sessionStorage.setItem(ME_KEY, JSON.stringify(ctx.me));
	/* The members and the pinned keys at once: neither waits on the
	   other. */
	[ctx.members, ctx.pinState] = await Promise.all([
		api.get('/v1/members').then((m) => m.members || [],
		    () => []),
		pinAtLogin().catch(() => null)]);
	/* A sensor reads nothing, so it has no stream either. */
	if (!stopLive && ctx.me.role !== 'sensor')
		stopLive = startLive(onLive);
}

function loginScreen(main) {
	const input = h('input', { id: 'token', name: 'token',
		type: 'password', autocomplete: 'off', required: true,
		spellcheck: 'false', 'aria-describedby': 'token-help' });
	const err = h('p', { id: 'login-error', role: 'alert' });
	const form = h('form', { class: 'login', 'aria-labelledby': 'login-h' },
	    h('h2', { id: 'login-h' }, t('login.title')),
	    h('label', { for: 'token' }, t('login.token')), input,
	    h('p', { id: 'token-help', class: 'help' }, t('login.help')),
	    h('button', { type: 'submit', id: 'login-submit' }, t('login.submit')),
	    err);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			await login(input.value.trim());
			// A link followed before signing in is kept.
			if (/^#\/(map|queue|ledger|capture|reports|report\/|incident\/)/
			    .test(location.hash))
				render();
			else
				location.hash = may(READERS) ? '#/map' : '#/queue';
		} catch (e) {
			err.textContent = e.status === 401 ? t('login.bad') :
			    t('error', { detail: e.message });
		}
	});
	clear(main).append(form);
	input.focus();
}

async function queueScreen(main) {
	const q = await api.get('/v1/queue');
	const rows = q.queue.map((it) => h('tr', {},
	    h('td', {}, t('queue.' + it.kind)),
	    h('td', {}, it.incident ? (may(READERS) ? h('a', {
		href: '#/incident/' + it.incident }, it.incident) : it.incident)
		: ''),
	    h('td', {}, fmtTime(it.since_ms, centerTimeZone())),
	    h('td', {}, String(it.since_index ?? ''))));
	clear(main).append(h('section', { class: 'queue' },
	    h('h2', {}, t('queue.title')),
	    rows.length ? h('table', { id: 'queue' },
		h('caption', {}, t('queue.caption', { n: rows.length })),
		h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('queue.what')),
		    h('th', { scope: 'col' }, t('incident')),
		    h('th', { scope: 'col' }, t('queue.since')),
		    h('th', { scope: 'col' }, t('log_index')))),
		h('tbody', {}, rows)) : h('p', { id: 'queue-empty' },
		t('queue.empty'))));
}

function dl(pairs) {
	return h('dl', {}, pairs.filter(([, v]) => v !== null && v !== undefined &&
	    v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function assessmentCard(member, a) {
	if (!a)
		return h('article', { class: 'assessment missing' },
		    h('h4', {}, member), h('p', {}, t('inc.no_assessment')));
	return h('article', { class: 'assessment' }, h('h4', {}, member),
	    dl([[t('inc.verdict'), t('verdict.' + a.verdict)],
		[t('inc.attribution'), a.attribution],
		[t('inc.confidence'), a.confidence],
		[t('inc.rationale'), a.rationale],
		[t('inc.assessed_by'), a.by],
		[t('when'), fmtTime(a.assessed_at_ms, centerTimeZone())],
		[t('log_index'), String(a.index)]]));
}

async function incidentScreen(main, id) {
	const f = await api.get('/v1/incidents/' + encodeURIComponent(id));
	const p = f.properties;
	const hist = await api.get('/v1/incidents/' + encodeURIComponent(id) +
	    '/history?limit=1000');
	const co = p.corroboration || {};
	const byMember = {};
	for (const a of (Array.isArray(p.assessments) ? p.assessments :
	    Object.values(p.assessments || {})))
		byMember[a.member] = a;
	const members = ctx.members.map((m) => m.name);
	const histRows = hist.history.map((s) => {
		const cell = h('td', { class: 'proof' });
		if (may(LOG_READERS) && s.entry)
			cell.append(h('button', { type: 'button', class: 'prove',
			    onclick: async () => {
				clear(cell).append(t('ledger.checking'));
				const r = await proofOf(s.index, s.entry);
				clear(cell).append(h('span', { class: r.ok ? 'ok' : 'bad' },
				    r.ok ? t('ledger.included') :
				    t('ledger.not_included.' + r.reason)));
			} }, t('ledger.prove')));
		return h('tr', {}, h('td', {}, String(s.index)),
		    h('td', {}, t('hist.' + s.kind)),
		    h('td', {}, s.to ? t('state.' + s.to) : ''), cell);
	});
	const obsList = h('ul', { class: 'observations' });
	const sec = h('section', { class: 'incident', 'aria-labelledby': 'inc-h' },
	    h('h2', { id: 'inc-h' }, t('cat.' + p.category) + ' — ' + f.id),
	    h('p', { class: 'state', id: 'inc-state', dataset: { state: p.state } },
		t('state') + ': ' + t('state.' + p.state)),
	    dl([[t('when'), fmtTime(p.time_window.from, centerTimeZone()) + ' – ' +
		fmtTime(p.time_window.to, centerTimeZone())],
		[t('where'), p.description],
		[t('zone'), (p.zones || []).map((z) => z.zone).join(', ')],
		[t('inc.line'), p.line ? t('inc.line_side', { name: p.line.name,
		    side: p.line.side, m: Math.round(p.line.distance_m) }) : ''],
		[t('inc.position'), p.position ? p.position.lat.toFixed(5) + ', ' +
		    p.position.lon.toFixed(5) + (p.ellipse ? ' ± ' +
		    Math.round(p.ellipse.semi_major_m) + ' m (95 %)' : '') : ''],
		[t('inc.count'), p.count ? p.count.qualifier + ' ' + p.count.value : ''],
		[t('inc.sources'), (co.source_types || []).map((s) => t('src.' + s))
		    .join(', ') + ' (' + t('inc.independent', {
		    n: co.independent_sources }) + ')'],
		[t('member'), (co.members || []).join(', ')],
		[t('inc.complaints'), (co.complaints || []).length ?
		    String(co.complaints.length) : ''],
		[t('inc.released_to'), (p.released_to || []).join(', ')]]),
	    h('h3', {}, t('inc.assessments')),
	    h('div', { class: 'side-by-side', id: 'assessments' },
		members.map((m) => assessmentCard(m, byMember[m]))),
	    h('h3', {}, t('inc.observations')), obsList,
	    h('h3', {}, t('inc.history')),
	    h('table', { id: 'history' }, h('caption', {}, t('inc.history_caption',
		{ size: hist.log_size })),
		h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('log_index')),
		    h('th', { scope: 'col' }, t('hist.kind')),
		    h('th', { scope: 'col' }, t('state')),
		    h('th', { scope: 'col' }, t('ledger.proof')))),
		h('tbody', {}, histRows)));
	if (may(MOVERS))
		sec.append(moveForm(id, p.state), ...analystForms(id));
	if (may(MOVERS) && (p.observations || []).length > 1)
		sec.append(splitForm(id, sec));
	else if (flash.has('split-out'))
		sec.append(statusLine('split-out'));	/* what the split did */
	if (may(['assessor']) && ctx.me.member)
		sec.append(assessForm(id, (byMember[ctx.me.member] || {}).revision
		    || 0));
	clear(main).append(sec);
	for (const oid of (p.observations || []).slice(0, 20)) {
		try {
			const o = await api.get('/v1/observations/' + oid);
			const op = o.properties;
			const pick = may(MOVERS) && p.observations.length > 1 ?
			    h('input', { type: 'checkbox', class: 'split-pick',
				value: oid, id: 'pick-' + oid.slice(0, 16),
				'aria-label': t('split.pick', { id: oid.slice(0, 16) }) })
			    : null;
			obsList.append(h('li', {}, pick, h('strong', {},
			    t('src.' + op.source.type) + ' ' + (op.source.member || '') +
			    ' ' + (op.source.unit || '')), ' — ',
			    fmtTime(typeof op.observed_at === 'object' && op.observed_at ?
			    op.observed_at.from : op.observed_at, centerTimeZone()), ' — ',
			    op.narrative || '',
			    (op.evidence || []).length ? h('ul', { class: 'evidence' },
				op.evidence.map(evidenceItem)) : ''));
		} catch (e) {
			obsList.append(h('li', {}, oid.slice(0, 16) + '… ' + e.message));
		}
	}
}

const hex = (b) => [...b].map((x) => x.toString(16).padStart(2, '0'))
    .join('');

// One evidence item of an observation: checked on request, its bytes
// fetched from the center and their SHA-256 compared with the digest the
// observation (and so the log) holds; an image is then shown.
function evidenceItem(ev) {
	const li = h('li', { class: 'evidence-item' },
	    ev.media_type + ' ', h('code', {}, ev.sha256.slice(0, 16) + '…'), ' ');
	const btn = h('button', { type: 'button', class: 'check-evidence',
		onclick: async () => {
			btn.remove();
			try {
				const b = await api.bytes('/v1/evidence/' + ev.sha256);
				const good = hex(sha256(b)) === ev.sha256;
				li.append(h('span', { class: good ? 'ok' : 'bad',
				    dataset: { verified: String(good) } },
				    good ? t('ev.verified') : t('ev.mismatch')));
				if (good && /^image\/(png|jpeg|gif|webp)$/.test(ev.media_type)) {
					const url = URL.createObjectURL(new Blob([b],
					    { type: ev.media_type }));
					li.append(h('img', { src: url, class: 'evidence-image',
					    alt: t('ev.image', { digest: ev.sha256.slice(0, 16) }) }));
				}
			} catch (e) {
				li.append(h('span', { class: 'bad', dataset: { verified:
				    'false' } }, e.status === 404 ? t('ev.absent') :
				    t('error', { detail: e.message })));
			}
		} }, t('ev.check'));
	li.append(btn);
	return li;
}

// An analyst's other moves: a task for a unit, a merge into another
// incident.
function analystForms(id) {
	const unit = h('input', { id: 'task-unit', required: true, maxlength: 63 });
	const kind = h('select', { id: 'task-kind' }, ['patrol_visit',
		'uav_flight', 'crater_analysis', 'interview', 'document_review',
		'other'].map((k) => h('option', { value: k }, t('task.' + k))));
	const desc = h('input', { id: 'task-desc', required: true,
		maxlength: 1024 });
	const due = h('input', { id: 'task-due', type: 'datetime-local',
		required: true });
	const tout = statusLine('task-out');
	const task = h('form', { class: 'move', id: 'task-form' },
	    h('h3', {}, t('task.title')),
	    h('label', { for: 'task-unit' }, t('task.unit')), unit,
	    h('label', { for: 'task-kind' }, t('task.kind')), kind,
	    h('label', { for: 'task-desc' }, t('task.description')), desc,
	    h('label', { for: 'task-due' }, t('task.due')), due,
	    h('button', { type: 'submit' }, t('task.submit')), tout);
	task.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			const r = await api.post('/v1/incidents/' + encodeURIComponent(id) +
			    '/tasks', { unit: unit.value, kind: kind.value,
			    description: desc.value, due: due.value + ':00Z' });
			tell(tout, t('task.done', { index: r.index }));
		} catch (e) {
			tell(tout, t('error', { detail: e.message }));
		}
	});
	const other = h('input', { id: 'merge-with', required: true,
		pattern: 'inc-[0-9a-f]{24}' });
	const why = h('input', { id: 'merge-reason', required: true,
		maxlength: 1024 });
	const mout = h('p', { role: 'status' });
	const merge = h('form', { class: 'move', id: 'merge-form' },
	    h('h3', {}, t('merge.title')),
	    h('label', { for: 'merge-with' }, t('merge.with')), other,
	    h('label', { for: 'merge-reason' }, t('inc.reason')), why,
	    h('button', { type: 'submit' }, t('merge.submit')), mout);
	merge.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			await api.post('/v1/incidents/' + encodeURIComponent(id) +
			    '/merge', { with: other.value, reason: why.value });
			render();
		} catch (e) {
			mout.textContent = t('error', { detail: e.message });
		}
	});
	return [task, merge];
}

// Splits the observations ticked in the list off into a new incident.
function splitForm(id, sec) {
	const why = h('input', { id: 'split-reason', required: true,
		maxlength: 1024 });
	const out = statusLine('split-out');
	const form = h('form', { class: 'move', id: 'split-form' },
	    h('h3', {}, t('split.title')), h('p', { class: 'help' },
		t('split.help')),
	    h('label', { for: 'split-reason' }, t('inc.reason')), why,
	    h('button', { type: 'submit' }, t('split.submit')), out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const picked = [...sec.querySelectorAll('.split-pick:checked')]
		    .map((c) => c.value);
		if (!picked.length) {
			tell(out, t('split.none'));
			return;
		}
		try {
			const r = await api.post('/v1/incidents/' +
			    encodeURIComponent(id) + '/split', { observations: picked,
			    reason: why.value });
			tell(out, t('split.done', { id: r.new_incident || '' }),
			    { newIncident: r.new_incident || '' });
		} catch (e) {
			tell(out, t('error', { detail: e.message }));
		}
	});
	return form;
}

function moveForm(id, state) {
	const sel = h('select', { id: 'move-to', name: 'to' },
	    STATES.filter((s) => s !== state).map((s) => h('option',
		{ value: s }, t('state.' + s))));
	const reason = h('input', { id: 'move-reason', name: 'reason',
		required: true, maxlength: 1024 });
	const out = h('p', { role: 'status' });
	const form = h('form', { class: 'move', id: 'move-form' },
	    h('h3', {}, t('inc.move')),
	    h('label', { for: 'move-to' }, t('inc.move_to')), sel,
	    h('label', { for: 'move-reason' }, t('inc.reason')), reason,
	    h('button', { type: 'submit' }, t('inc.move_submit')), out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			await api.post('/v1/incidents/' + encodeURIComponent(id) +
			    '/state', { to: sel.value, reason: reason.value });
			render();
		} catch (e) {
			out.textContent = t('error', { detail: e.message });
		}
	});
	return form;
}

// An assessor's form: the member's key file is read from the assessor's
// own disk, the note signed here (assess.js) and only the signed note
// sent; the key's text lives in this handler's variables only.
function assessForm(id, lastRevision) {
	const sel = (name, values, prefix) => h('select', { id: 'as-' + name,
		name }, values.map((v) => h('option', { value: v },
		prefix ? t(prefix + v) : t('conf.' + v))));
	const verdict = sel('verdict', ['violation', 'no_violation',
		'unverifiable'], 'verdict.');
	const confidence = sel('confidence', ['low', 'moderate', 'high']);
	const attribution = h('input', { id: 'as-attribution', required: true,
		maxlength: 64, value: 'unknown' });
	const rationale = h('textarea', { id: 'as-rationale', required: true,
		rows: 3, maxlength: 4096 });
	const evidence = h('textarea', { id: 'as-evidence', rows: 2,
		'aria-describedby': 'as-evidence-help' });
	const key = h('input', { id: 'as-key', type: 'file', required: true,
		'aria-describedby': 'as-key-help' });
	const out = h('p', { id: 'as-out', role: 'status' });
	const form = h('form', { class: 'move', id: 'assess-form' },
	    h('h3', {}, t('as.title', { member: ctx.me.member })),
	    h('label', { for: 'as-verdict' }, t('inc.verdict')), verdict,
	    h('label', { for: 'as-attribution' }, t('inc.attribution')), attribution,
	    h('label', { for: 'as-confidence' }, t('inc.confidence')), confidence,
	    h('label', { for: 'as-rationale' }, t('inc.rationale')), rationale,
	    h('label', { for: 'as-evidence' }, t('as.evidence')), evidence,
	    h('p', { id: 'as-evidence-help', class: 'help' }, t('as.evidence_help')),
	    h('label', { for: 'as-key' }, t('as.key')), key,
	    h('p', { id: 'as-key-help', class: 'help' }, t('as.key_help')),
	    h('button', { type: 'submit' }, t('as.submit')), out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const file = key.files[0];
		key.value = '';
		if (!file || file.size > 1024) {
			out.textContent = t('as.bad_key');
			return;
		}
		let signed;
		try {
			signed = assessmentNote(await file.text(), id, lastRevision + 1,
			    { verdict: verdict.value, attribution: attribution.value,
				confidence: confidence.value, rationale: rationale.value,
				evidence: evidence.value.split(/\s+/).filter(Boolean) },
			    Date.now());
		} catch (e) {
			out.textContent = t('as.bad_key') + ' (' + e.message + ')';
			return;
		}
		if (signed.member !== ctx.me.member) {
			out.textContent = t('as.wrong_member', { key: signed.member,
				member: ctx.me.member });
			return;
		}
		try {
			const r = await api.postNote('/v1/incidents/' +
			    encodeURIComponent(id) + '/assessments', signed.note);
			out.dataset.note = signed.note;
			out.textContent = t('as.done', { index: r.index,
				state: t('state.' + r.state) });
			setTimeout(render, 800);
		} catch (e) {
			out.textContent = t('error', { detail: e.message });
		}
	});
	return form;
}

let lastCheck = null;
async function proofOf(index, entry) {
	if (!lastCheck || !lastCheck.valid)
		lastCheck = await jointCheckpoint();
	if (!lastCheck.valid)
		return { ok: false, reason: 'checkpoint' };
	try {
		return await proveEntry(index, lastCheck.checkpoint, entry);
	} catch (e) {
		return { ok: false, reason: 'proof' };
	}
}

async function ledgerScreen(main) {
	const r = await jointCheckpoint();
	lastCheck = r;
	const p = pins();
	const bad = !r.valid || (ctx.pinState && ctx.pinState.changed);
	const problems = [...(r.problems || [])];
	if (r.error)
		problems.push(r.error);
	if (ctx.pinState && ctx.pinState.changed)
		problems.push(t('ledger.keys_changed'));
	const banner = h('div', { id: 'ledger-verdict', role: 'alert',
		class: bad ? 'verdict bad' : 'verdict ok',
		dataset: { valid: bad ? 'false' : 'true' } },
	    h('strong', {}, bad ? t('ledger.bad') : t('ledger.good')),
	    problems.length ? h('ul', {}, problems.map((x) => h('li', {}, x)))
		: null);
	const cp = r.checkpoint;
	const rows = (r.cosigners || []).map((c) => h('tr', {},
	    h('td', {}, c.name), h('td', { class: c.ok ? 'ok' : 'bad' },
		c.ok ? t('ledger.verified') : (c.unknown ? t('ledger.unknown_key')
		    : t('ledger.failed'))),
	    h('td', {}, c.time ? fmtTime(c.time * 1000, centerTimeZone()) : '')));
	const incInput = h('input', { id: 'prove-incident', name: 'incident',
		pattern: 'inc-[0-9a-f]{24}', required: true });
	const proveOut = h('ul', { id: 'prove-out' });
	const proveForm = h('form', { id: 'prove-form' },
	    h('label', { for: 'prove-incident' }, t('ledger.prove_incident')),
	    incInput, h('button', { type: 'submit' }, t('ledger.prove')), proveOut);
	proveForm.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clear(proveOut);
		try {
			const hi = await api.get('/v1/incidents/' +
			    encodeURIComponent(incInput.value) + '/history?limit=1000');
			for (const s of hi.history) {
				if (!s.entry)
					continue;
				const pr = await proofOf(s.index, s.entry);
				proveOut.append(h('li', { class: pr.ok ? 'ok' : 'bad' },
				    t('log_index') + ' ' + s.index + ': ' + (pr.ok ?
				    t('ledger.included') :
				    t('ledger.not_included.' + pr.reason))));
			}
		} catch (e) {
			proveOut.append(h('li', { class: 'bad' },
			    t('error', { detail: e.message })));
		}
	});
	clear(main).append(h('section', { class: 'ledger' },
	    h('h2', {}, t('ledger.title')), banner,
	    cp ? dl([[t('ledger.origin'), cp.origin],
		[t('ledger.size'), String(cp.size)],
		[t('ledger.root'), r.note.split('\n')[2]],
		[t('ledger.log_sig'), r.log.ok ? t('ledger.verified') :
		    t('ledger.failed')]]) : null,
	    h('table', { id: 'cosigners' }, h('caption', {}, t('ledger.cosigners')),
		h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('ledger.witness')),
		    h('th', { scope: 'col' }, t('ledger.signature')),
		    h('th', { scope: 'col' }, t('ledger.cosigned_at')))),
		h('tbody', {}, rows)),
	    h('h3', {}, t('ledger.pinned')),
	    p ? dl([[t('ledger.log_key'), p.log_key],
		...p.witnesses.map((w, i) => [t('ledger.witness') + ' ' + (i + 1), w]),
		[t('ledger.quorum'), String(p.quorum)],
		[t('ledger.pinned_at'), fmtTime(p.pinned_at)]]) : null,
	    h('button', { type: 'button', id: 'repin', onclick: () => {
		if (confirm(t('ledger.repin_confirm'))) {
			forgetPins();
			pinAtLogin().then((ps) => { ctx.pinState = ps; render(); });
		}
	    } }, t('ledger.repin')),
	    may(LOG_READERS) ? proveForm : null,
	    h('details', {}, h('summary', {}, t('ledger.raw')),
		h('pre', {}, r.note || ''))));
}

function forbidden(main) {
	clear(main).append(h('p', { id: 'forbidden', role: 'alert' },
	    t('forbidden')));
}

async function render() {
	const main = document.getElementById('main');
	ctx.editing = false;
	if (teardown) {
		teardown();
		teardown = null;
	}
	if (!ctx.me && api.token()) {
		try {
			await login(api.token());
		} catch (e) {
			api.setToken(null);
		}
	}
	shell();
	say('');
	const [path, query] = location.hash.replace(/^#/, '').split('?');
	const parts = path.split('/').filter(Boolean);
	if (!ctx.me) {
		loginScreen(main);
		return;
	}
	main.setAttribute('aria-busy', 'true');
	try {
		ctx.refresh = null;
		ctx.screen = parts[0] || (may(READERS) ? 'map' : 'queue');
		switch (ctx.screen) {
		case 'map':
			if (!may(READERS))
				return forbidden(main);
			teardown = await mapScreen(main, ctx, query);
			break;
		case 'incident':
			if (!may(READERS))
				return forbidden(main);
			await incidentScreen(main, decodeURIComponent(parts[1] || ''));
			ctx.refresh = render;
			break;
		case 'reports':
			if (!may(READERS))
				return forbidden(main);
			ctx.refresh = await reportsScreen(main, ctx, may);
			break;
		case 'report':
			if (!may(READERS))
				return forbidden(main);
			await reportScreen(main, ctx, decodeURIComponent(parts[1] || ''),
			    may);
			ctx.refresh = render;
			break;
		case 'ledger':
			await ledgerScreen(main);
			ctx.refresh = render;
			break;
		case 'capture':
			if (!may(SUBMITTERS))
				return forbidden(main);
			teardown = await captureScreen(main, ctx);
			break;
		case 'login':
		case 'queue':
			ctx.screen = 'queue';
			await queueScreen(main);
			ctx.refresh = () => queueScreen(main);
			break;
		default:
			clear(main).append(h('p', {}, t('not_found')));
		}
	} catch (e) {
		say(t('error', { detail: e.message }), 'bad');
	} finally {
		main.removeAttribute('aria-busy');
		document.body.dataset.ready = location.hash;
	}
}

initLang();
// A page opened signed in on the map asks for the map's data at once.
// Not for a session whose role reads no incidents (a sensor's would be
// refused): the role kept with the session says so.
if (api.token() && /^#\/map(\?|$)/.test(location.hash)) {
	let kept = null;
	try {
		kept = JSON.parse(sessionStorage.getItem(ME_KEY) || 'null');
	} catch (e) {
		kept = null;
	}
	if (!kept || READERS.includes(kept.role))
		prefetchMap(location.hash.split('?')[1] || '');
}
// The service worker keeps the page for use without a connection.
if ('serviceWorker' in navigator)
	navigator.serviceWorker.register('/sw.js').catch(() => {});
// What waits in the outbox goes out as soon as the center answers.
window.addEventListener('online', () => outbox.flush());
// The map writes its own view into the URL with history.replaceState,
// which fires no hashchange: every hashchange is the user's (a link, the
// back button, an edited URL), so the screen follows it.
// Typing or ticking in one of an incident's forms (or picking its
// observations to split) marks the screen as being edited (onLive). The
// map's filters are not such a form: the map redraws with them.
for (const kind of ['input', 'change'])
	document.addEventListener(kind, (ev) => {
		const t = ev.target;

		if (t.closest && (t.closest('form.move') ||
		    t.classList.contains('split-pick')))
			ctx.editing = true;
	});

window.addEventListener('hashchange', () => {
	flash.clear();
	render();
});
render();
