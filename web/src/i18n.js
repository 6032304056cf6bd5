// i18n: one string catalogue per language (i18n/<lang>.json), chosen by the
// user and kept in localStorage. Place names are never translated: they
// are shown as the gazetteer holds them.
import en from './i18n/en.json';
import ru from './i18n/ru.json';
import tr from './i18n/tr.json';

export const LANGS = { en, ru, tr };
const KEY = 'truce.lang';
let lang = 'en';

export function initLang() {
	const saved = localStorage.getItem(KEY);
	const nav = (navigator.language || 'en').slice(0, 2);
	lang = LANGS[saved] ? saved : (LANGS[nav] ? nav : 'en');
	document.documentElement.lang = lang;
	return lang;
}

export function setLang(l) {
	if (!LANGS[l])
		return;
	lang = l;
	localStorage.setItem(KEY, l);
	document.documentElement.lang = l;
}

export function currentLang() {
	return lang;
}

// The string for key in the current language (English if missing), with
// {name} replaced by vars.name.
export function t(key, vars) {
	const s = LANGS[lang][key] ?? en[key] ?? key;
	return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ?
	    String(vars[k]) : m)) : s;
}

// Formatters by language and time zone: making one costs far more than
// using it, and the map's table formats hundreds of times per redraw.
const formatters = new Map();
function formatter(tz) {
	const k = lang + ' ' + tz;
	let f = formatters.get(k);
	if (!f) {
		f = new Intl.DateTimeFormat(lang, { year: 'numeric',
			month: '2-digit', day: '2-digit', hour: '2-digit',
			minute: '2-digit', hour12: false, timeZone: tz });
		formatters.set(k, f);
	}
	return f;
}

// A time in UTC and in the center's time zone (Asia/Baku for the
// Karabakh region), in the user's language.
export function fmtTime(iso, tz) {
	if (!iso)
		return '';
	const d = new Date(iso);
	if (isNaN(d))
		return String(iso);
	const utc = formatter('UTC').format(d);
	if (!tz)
		return utc + ' UTC';
	return utc + ' UTC (' + formatter(tz).format(d) + ' ' + tz + ')';
}
