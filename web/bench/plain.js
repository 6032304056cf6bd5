// The peer a team would build by hand: a plain Leaflet page fed by the same
// GeoJSON (GET /v1/geo and every page of GET /v1/incidents), one circle
// marker per incident (canvas), no clustering, no ellipses; a category
// filter applied to what was loaded. Used by web/bench/run.mjs only.
import L from 'leaflet';

const token = sessionStorage.getItem('truce.token');
const get = async (p) => (await fetch(p, { headers: {
	Authorization: 'Bearer ' + token } })).json();
const map = L.map('map', { preferCanvas: true }).setView([39.85, 46.75], 8);
let all = [], layer = null;

function draw(cat) {
	if (layer)
		layer.remove();
	const shown = all.filter((f) => f.geometry && (!cat ||
	    f.properties.category === cat));
	layer = L.geoJSON({ type: 'FeatureCollection', features: shown }, {
		pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 5 }) })
	    .addTo(map);
	document.getElementById('count').dataset.count = String(shown.length);
	// As the dashboard: in the frame after the layers changed.
	requestAnimationFrame(() => performance.mark('truce-map-drawn'));
}

(async () => {
	L.geoJSON(await get('/v1/geo'), { filter: (f) =>
	    f.properties.kind !== 'place' }).addTo(map);
	let cursor = null;
	do {
		const page = await get('/v1/incidents?limit=1000' +
		    (cursor ? '&cursor=' + cursor : ''));
		all.push(...page.features);
		cursor = page.next;
	} while (cursor);
	const sel = document.getElementById('category');
	for (const c of [...new Set(all.map((f) => f.properties.category))])
		sel.append(new Option(c, c));
	sel.addEventListener('change', () => {
		performance.mark('truce-filter-changed');
		draw(sel.value);
	});
	draw('');
})();
