// capture: the observation form of monitors in the field. Works without a
// connection: what is submitted goes to the outbox (outbox.js) first and
// is sent when the center can be reached; the list shows each item's
// state. Location by a click on the map, by GPS, by typing, or as a place
// and a bearing and distance from it (resolved by the center's fusion).
import L from 'leaflet';
import * as api from './api.js';
import { h, clear } from './dom.js';
import { t, fmtTime } from './i18n.js';
import { CATEGORIES, SOURCE_TYPES } from './palette.js';
import * as outbox from './outbox.js';

function field(id, label, input, help) {
	input.id = id;
	return h('div', { class: 'field' }, h('label', { for: id }, label), input,
	    help ? h('p', { class: 'help', id: id + '-help' }, help) : null);
}

function utcNow() {
	return new Date(Date.now() - 60000).toISOString().slice(0, 16);
}

export async function captureScreen(main, ctx) {
	const f = {
		at: h('input', { type: 'datetime-local', name: 'at', required: true,
			value: utcNow() }),
		type: h('select', { name: 'type' }, SOURCE_TYPES.filter((s) =>
		    s !== 'complaint').map((s) => h('option', { value: s },
		    t('src.' + s)))),
		unit: h('input', { name: 'unit', maxlength: 64 }),
		category: h('select', { name: 'category' }, CATEGORIES.map((c) =>
		    h('option', { value: c }, t('cat.' + c)))),
		count: h('input', { type: 'number', name: 'count', min: 1,
			max: 1000000, value: 1 }),
		lat: h('input', { type: 'number', name: 'lat', step: 'any',
			min: -90, max: 90 }),
		lon: h('input', { type: 'number', name: 'lon', step: 'any',
			min: -180, max: 180 }),
		place: h('input', { name: 'place', maxlength: 128 }),
		bearing: h('input', { type: 'number', name: 'bearing', min: 0,
			max: 359.999, step: 'any' }),
		distance: h('input', { type: 'number', name: 'distance', min: 0,
			max: 1000000 }),
		narrative: h('textarea', { name: 'narrative', rows: 3,
			maxlength: 4096 }),
	};
	const mapEl = h('div', { id: 'capture-map', role: 'region',
		'aria-label': t('cap.map') });
	const gps = h('button', { type: 'button', id: 'cap-gps' }, t('cap.gps'));
	const msg = h('p', { id: 'cap-msg', role: 'status' });
	const list = h('ol', { id: 'outbox', 'aria-live': 'polite' });
	const form = h('form', { id: 'capture-form', class: 'capture' },
	    h('h2', {}, t('cap.title')),
	    h('p', { id: 'cap-online', class: navigator.onLine ? 'ok' : 'bad' },
		navigator.onLine ? t('cap.online') : t('cap.offline')),
	    field('cap-at', t('cap.at'), f.at),
	    field('cap-type', t('source_type'), f.type),
	    field('cap-unit', t('cap.unit'), f.unit),
	    field('cap-category', t('category'), f.category),
	    field('cap-count', t('inc.count'), f.count),
	    h('fieldset', {}, h('legend', {}, t('cap.where')), mapEl, gps,
		field('cap-lat', t('cap.lat'), f.lat),
		field('cap-lon', t('cap.lon'), f.lon),
		h('p', { class: 'help' }, t('cap.or_place')),
		field('cap-place', t('cap.place'), f.place),
		field('cap-bearing', t('cap.bearing'), f.bearing),
		field('cap-distance', t('cap.distance'), f.distance)),
	    field('cap-narrative', t('cap.narrative'), f.narrative),
	    h('button', { type: 'submit' }, t('cap.submit')), msg,
	    h('h3', {}, t('cap.outbox')), list,
	    h('button', { type: 'button', id: 'cap-clear' }, t('cap.clear')));
	clear(main).append(form);

	const map = L.map(mapEl, { attributionControl: false, minZoom: 5,
		maxZoom: 16 }).setView([39.85, 46.75], 8);
	try {
		// Offline, the geography the service worker kept, if any, read
		// from its cache without a request.
		const kept = navigator.onLine || !self.caches ? null :
		    await caches.match('/v1/geo');
		if (!navigator.onLine && !kept)
			throw new Error('offline');
		const geo = kept ? await kept.json() : await api.get('/v1/geo');
		L.geoJSON(geo, { filter: (x) => x.properties.kind !== 'place',
			style: { color: '#566573', weight: 1, fillOpacity: 0.05 } })
		    .addTo(map);
	} catch (e) {
		/* offline and not cached: the form works without the map */
	}
	let pin = null;
	function setPoint(lat, lon) {
		f.lat.value = lat.toFixed(6);
		f.lon.value = lon.toFixed(6);
		if (pin)
			pin.setLatLng([lat, lon]);
		else
			pin = L.circleMarker([lat, lon], { radius: 7, color: '#b03a2e' })
			    .addTo(map);
	}
	map.on('click', (e) => setPoint(e.latlng.lat, e.latlng.lng));
	gps.addEventListener('click', () => {
		if (!navigator.geolocation)
			return;
		navigator.geolocation.getCurrentPosition((p) => setPoint(
		    p.coords.latitude, p.coords.longitude), (e) => {
			msg.textContent = t('error', { detail: e.message });
		}, { enableHighAccuracy: true, timeout: 20000 });
	});

	async function show() {
		const its = await outbox.items();
		clear(list).append(...its.slice().reverse().map((it) => h('li', {
			class: 'st-' + it.state, dataset: { state: it.state } },
		    h('strong', {}, t('cap.state.' + it.state)), ' — ',
		    t('cat.' + it.observation.category), ', ',
		    fmtTime(it.observation.observed_at),
		    it.index !== undefined ? ' — ' + t('log_index') + ' ' + it.index : '',
		    it.reason ? ' — ' + it.reason : '')));
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const o = { observed_at: f.at.value + ':00Z',
			source: { type: f.type.value }, category: f.category.value,
			count: { value: Number(f.count.value) || 1,
				qualifier: 'exact' } };
		if (ctx.me.member)
			o.source.member = ctx.me.member;
		else
			o.source.organisation = ctx.me.name;
		if (f.unit.value)
			o.source.unit = f.unit.value;
		if (f.place.value)
			o.location = { place: f.place.value,
				bearing_deg: Number(f.bearing.value) || 0,
				distance_m: Number(f.distance.value) || 0 };
		else if (f.lat.value !== '' && f.lon.value !== '')
			o.location = { lat: Number(f.lat.value),
				lon: Number(f.lon.value), precision_m: 100 };
		else {
			msg.textContent = t('cap.need_location');
			return;
		}
		if (f.narrative.value)
			o.narrative = f.narrative.value;
		try {
			await outbox.enqueue(o);
			msg.textContent = t('cap.queued');
		} catch (e) {
			msg.textContent = t('error', { detail: e.message });
		}
		await show();
		outbox.flush();
	});
	form.querySelector('#cap-clear').addEventListener('click', async () => {
		await outbox.clearSent();
		show();
	});
	const online = () => {
		const p = form.querySelector('#cap-online');
		p.textContent = navigator.onLine ? t('cap.online') : t('cap.offline');
		p.className = navigator.onLine ? 'ok' : 'bad';
		if (navigator.onLine)
			outbox.flush();
	};
	window.addEventListener('online', online);
	window.addEventListener('offline', online);
	const timer = setInterval(() => outbox.flush(), 10000);
	const unwatch = outbox.watch(show);
	await show();
	outbox.flush();
	return () => {
		clearInterval(timer);
		unwatch();
		window.removeEventListener('online', online);
		window.removeEventListener('offline', online);
		map.remove();
	};
}
