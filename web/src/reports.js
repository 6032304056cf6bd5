// reports: the center's reports (docs/products.md) on two screens.
//   #/reports      drafts, released, superseded and refused reports, the
//                  members who signed each; analysts and admins draft one
//   #/report/ID    one report: its record, its hash checked here, each
//                  member's signature or refusal, its HTML and PDF
//                  renderings, and for an assessor "sign as my member"
// The signature is made here (assess.js reportSignatureNote), as `truce
// report sign ID --key KEYFILE` makes it: the report's hash is computed in
// the browser from its canonical bytes first, and a report whose hash is
// not its id is not signed. The key's text lives in the submit handler's
// variables only: never sent, stored or logged.
import * as api from './api.js';
import { h, clear, download } from './dom.js';
import { t, fmtTime } from './i18n.js';
import { reportHash, reportSignatureNote } from './assess.js';

const KINDS = ['daily', 'summary', 'spot'];
const REPORT_STATES = ['draft', 'released', 'superseded', 'refused'];
const DRAFTERS = ['admin', 'analyst'];
const KEY_FILE_MAX = 1024;
const REASON_MAX = 1024;

const day = (ms) => new Date(ms).toISOString().slice(0, 10);

function period(p) {
	if (!p)
		return '';
	const a = day(p.from_ms), b = day(p.to_ms - 1);
	return a === b ? a : a + ' – ' + b;
}

function stateLabel(r) {
	return h('span', { class: 'report-state', dataset: { state: r.state } },
	    t('report.state.' + r.state));
}

function signers(r) {
	const s = (r.signed_by || []).join(', ');
	const f = (r.refused_by || []).length ? ' — ' + t('report.refused_by',
	    { members: r.refused_by.join(', ') }) : '';
	return (s || t('report.nobody')) + f;
}

// A rendering (.html or .pdf) fetched with the token (a link could not
// carry it) and offered as a file.
function renderingButton(r, ext, type) {
	const out = h('span', { class: 'rendering-out', role: 'status' });
	const b = h('button', { type: 'button', id: 'rp-' + ext,
		class: 'rendering', onclick: async () => {
			out.textContent = t('loading');
			try {
				const bytes = await api.bytes('/v1/reports/' + r.id + '.' +
				    ext);
				download('report-' + r.id.slice(0, 16) + '.' + ext, type,
				    bytes);
				out.textContent = '';
			} catch (e) {
				out.textContent = t('error', { detail: e.message });
			}
		} }, ext === 'html' ? t('report.html') : t('report.pdf'));
	return h('span', {}, b, ' ', out);
}

function draftForm(ctx, reload) {
	const date = h('input', { id: 'rd-date', type: 'date', required: true,
		value: day(Date.now() - 86400000) });
	const out = h('p', { id: 'rd-out', role: 'status' });
	const form = h('form', { class: 'move', id: 'draft-form' },
	    h('h3', {}, t('report.draft_title')),
	    h('label', { for: 'rd-date' }, t('report.date')), date,
	    h('button', { type: 'submit' }, t('report.draft')), out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			const r = await api.post('/v1/reports', { kind: 'daily',
				date: date.value });
			out.dataset.report = r.id;
			out.textContent = t('report.drafted', { number: r.number,
				index: r.index });
			await reload();
		} catch (e) {
			out.textContent = t('error', { detail: e.message });
		}
	});
	return form;
}

export async function reportsScreen(main, ctx, may) {
	const table = h('tbody');
	const caption = h('caption');
	const stateSel = h('select', { id: 'reports-state' },
	    h('option', { value: '' }, t('any')),
	    REPORT_STATES.map((s) => h('option', { value: s },
		t('report.state.' + s))));
	const kindSel = h('select', { id: 'reports-kind' },
	    h('option', { value: '' }, t('any')),
	    KINDS.map((k) => h('option', { value: k }, t('report.kind.' + k))));

	async function reload() {
		const q = new URLSearchParams();
		if (stateSel.value)
			q.set('state', stateSel.value);
		if (kindSel.value)
			q.set('kind', kindSel.value);
		const list = (await api.get('/v1/reports' + (q.toString() ?
		    '?' + q : ''))).reports || [];
		/* The newest first: what waits for signatures is on top. */
		list.reverse();
		caption.textContent = t('report.caption', { n: list.length });
		clear(table).append(...list.map((r) => h('tr', {
			dataset: { report: r.id, state: r.state } },
		    h('td', {}, h('a', { href: '#/report/' + r.id }, r.number)),
		    h('td', {}, t('report.kind.' + r.kind)),
		    h('td', {}, period(r.period)),
		    h('td', {}, stateLabel(r)),
		    h('td', {}, signers(r)),
		    h('td', {}, String(r.index)))));
	}
	stateSel.addEventListener('change', reload);
	kindSel.addEventListener('change', reload);
	clear(main).append(h('section', { class: 'reports',
		'aria-labelledby': 'reports-h' },
	    h('h2', { id: 'reports-h' }, t('report.title')),
	    h('div', { class: 'filters-inline' },
		h('label', { for: 'reports-state' }, t('state')), stateSel,
		h('label', { for: 'reports-kind' }, t('report.kind')), kindSel),
	    h('table', { id: 'reports' }, caption,
		h('thead', {}, h('tr', {},
		    h('th', { scope: 'col' }, t('report.number')),
		    h('th', { scope: 'col' }, t('report.kind')),
		    h('th', { scope: 'col' }, t('report.period')),
		    h('th', { scope: 'col' }, t('state')),
		    h('th', { scope: 'col' }, t('report.signed_by')),
		    h('th', { scope: 'col' }, t('log_index')))), table),
	    may(DRAFTERS) ? draftForm(ctx, reload) : null));
	await reload();
	return reload;
}

// An assessor's signature of report r for their member, or a refusal.
function signForm(ctx, r, done) {
	const decision = h('select', { id: 'rs-decision' },
	    h('option', { value: 'sign' }, t('report.decision.sign')),
	    h('option', { value: 'refuse' }, t('report.decision.refuse')));
	const reason = h('textarea', { id: 'rs-reason', rows: 2,
		maxlength: REASON_MAX, 'aria-describedby': 'rs-reason-help' });
	const key = h('input', { id: 'rs-key', type: 'file', required: true,
		'aria-describedby': 'rs-key-help' });
	const out = h('p', { id: 'rs-out', role: 'status' });
	const form = h('form', { class: 'move', id: 'report-sign-form' },
	    h('h3', {}, t('report.sign_title', { member: ctx.me.member })),
	    h('label', { for: 'rs-decision' }, t('report.decision')), decision,
	    h('label', { for: 'rs-reason' }, t('report.reason')), reason,
	    h('p', { id: 'rs-reason-help', class: 'help' },
		t('report.reason_help')),
	    h('label', { for: 'rs-key' }, t('as.key')), key,
	    h('p', { id: 'rs-key-help', class: 'help' }, t('report.key_help')),
	    h('button', { type: 'submit' }, t('report.sign')), out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const file = key.files[0];
		const refuse = decision.value === 'refuse';
		key.value = '';
		if (refuse && (!reason.value.trim() || new TextEncoder()
		    .encode(reason.value).length > REASON_MAX)) {
			out.textContent = t('report.reason_needed', { max: REASON_MAX });
			return;
		}
		if (!file || file.size > KEY_FILE_MAX) {
			out.textContent = t('as.bad_key');
			return;
		}
		let signed;
		try {
			signed = reportSignatureNote(await file.text(), r.id, r.number,
			    refuse, reason.value, Date.now());
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
			const a = await api.postNote('/v1/reports/' + r.id +
			    '/signatures', signed.note);
			out.dataset.note = signed.note;
			out.dataset.state = a.state;
			out.textContent = t('report.signed', { index: a.index,
				state: t('report.state.' + a.state) });
			form.querySelector('button[type=submit]').disabled = true;
			done(a);
		} catch (e) {
			out.textContent = t('error', { detail: e.message });
		}
	});
	return form;
}

export async function reportScreen(main, ctx, id, may) {
	const r = await api.get('/v1/reports/' + encodeURIComponent(id));
	/* The hash is computed here, as truce report sign does: a report
	   whose bytes are not its id is shown as such and not signed. */
	let hashOk = false;
	try {
		hashOk = reportHash(r.report) === r.id;
	} catch (e) {
		hashOk = false;
	}
	const sigRows = (r.signatures || []).map((s) => h('tr', {
		dataset: { member: s.member, decision: s.decision } },
	    h('td', {}, s.member),
	    h('td', {}, t('report.decision.' + s.decision)),
	    h('td', {}, s.reason || ''),
	    h('td', {}, fmtTime(s.signed_at_ms)),
	    h('td', {}, String(s.index))));
	const mine = ctx.me.member && (r.signatures || []).some((s) =>
	    s.member === ctx.me.member);
	const sec = h('section', { class: 'report', 'aria-labelledby': 'rp-h' },
	    h('h2', { id: 'rp-h' }, r.number),
	    h('p', { id: 'rp-state', class: 'state', dataset: { state: r.state } },
		t('state') + ': ', stateLabel(r)),
	    h('p', { id: 'rp-hash', class: hashOk ? 'ok' : 'bad',
		dataset: { ok: String(hashOk) } },
		hashOk ? t('report.hash_ok') : t('report.hash_bad')),
	    h('dl', {}, [[t('report.kind'), t('report.kind.' + r.kind)],
		[t('report.period'), period(r.period)],
		[t('report.subject'), r.subject],
		[t('report.drafted_by'), r.by + ', ' + fmtTime(r.at_ms)],
		[t('ledger.size'), String(r.log_size)],
		[t('ledger.root'), r.root],
		['SHA-256', r.id],
		[t('report.signed_by'), signers(r) + ' (' + t('report.needed',
		    { n: r.needed }) + ')'],
		[t('log_index'), String(r.index) + (r.state_index ? ' / ' +
		    r.state_index : '')]].flatMap(([k, v]) => [h('dt', {}, k),
		h('dd', {}, v)])),
	    h('div', { class: 'exports', role: 'group',
		'aria-label': t('report.renderings') },
		h('span', {}, t('report.renderings') + ': '),
		renderingButton(r, 'html', 'text/html'),
		renderingButton(r, 'pdf', 'application/pdf')),
	    h('h3', {}, t('report.signatures')),
	    sigRows.length ? h('table', { id: 'report-signatures' },
		h('caption', {}, t('report.signatures_caption',
		    { n: sigRows.length, needed: r.needed })),
		h('thead', {}, h('tr', {},
		    h('th', { scope: 'col' }, t('member')),
		    h('th', { scope: 'col' }, t('report.decision')),
		    h('th', { scope: 'col' }, t('report.reason')),
		    h('th', { scope: 'col' }, t('when')),
		    h('th', { scope: 'col' }, t('log_index')))),
		h('tbody', {}, sigRows)) : h('p', { id: 'report-unsigned' },
		t('report.nobody')));
	if (may(['assessor']) && ctx.me.member && r.state === 'draft' &&
	    !mine && hashOk)
		sec.append(signForm(ctx, r, (a) => {
			/* The state now; the signatures show at the next visit. */
			const p = document.getElementById('rp-state');
			p.dataset.state = a.state;
			p.lastChild.replaceWith(stateLabel(a));
		}));
	else if (may(['assessor']) && mine)
		sec.append(h('p', { id: 'rs-done' }, t('report.already',
		    { member: ctx.me.member })));
	clear(main).append(sec);
}
