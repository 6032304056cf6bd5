// exporting: what is on the map, as CSV (RFC 4180), GeoJSON (RFC 7946) or
// KML 2.2. Pure: no DOM.

const CSV_COLUMNS = ['id', 'kind', 'category', 'state', 'from', 'to', 'lat',
	'lon', 'semi_major_m', 'semi_minor_m', 'orientation_deg', 'zone',
	'description', 'sources', 'members', 'observations'];

function csvField(s) {
	s = s === null || s === undefined ? '' : String(s);
	// A leading = + - @ would be a formula to a spreadsheet.
	if (/^[=+\-@]/.test(s))
		s = "'" + s;
	return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function row(f) {
	const p = f.properties || {};
	const pos = p.position || {};
	const el = p.ellipse || {};
	const co = p.corroboration || {};
	return [f.id, p.kind, p.category, p.state,
		(p.time_window || {}).from, (p.time_window || {}).to, pos.lat,
		pos.lon, el.semi_major_m, el.semi_minor_m, el.orientation_deg,
		p.zone, p.description, (co.source_types || []).join(' '),
		(co.members || []).join(' '), (p.observations || []).length];
}

export function toCSV(features) {
	const lines = [CSV_COLUMNS.join(',')];
	for (const f of features)
		lines.push(row(f).map(csvField).join(','));
	return lines.join('\r\n') + '\r\n';
}

export function toGeoJSON(features) {
	return JSON.stringify({ type: 'FeatureCollection', features }, null,
	    1) + '\n';
}

function xml(s) {
	return String(s === null || s === undefined ? '' : s)
	    .replace(/&/g, '&amp;').replace(/</g, '&lt;')
	    .replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function toKML(features) {
	const out = ['<?xml version="1.0" encoding="UTF-8"?>',
		'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'];
	for (const f of features) {
		const p = f.properties || {};
		if (!f.geometry || f.geometry.type !== 'Point')
			continue;
		const [lon, lat] = f.geometry.coordinates;
		const tw = p.time_window || {};
		out.push('<Placemark id="' + xml(f.id) + '"><name>' +
		    xml(p.category) + '</name><description>' +
		    xml((p.description || '') + ' (' + (p.state || '') + ')') +
		    '</description><TimeSpan><begin>' + xml(tw.from) +
		    '</begin><end>' + xml(tw.to) + '</end></TimeSpan>' +
		    '<Point><coordinates>' + lon + ',' + lat +
		    '</coordinates></Point></Placemark>');
	}
	out.push('</Document></kml>');
	return out.join('\n') + '\n';
}
