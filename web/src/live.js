// live: what the center appends, as it happens, without a reload.
// GET /v1/events (Server-Sent Events, issue 13): the event id is the log
// index, so a reconnection sends Last-Event-ID and resumes with no gap and
// no duplicate. EventSource cannot send the bearer token but in the URL,
// where it must never be: the stream is read with fetch() and parsed
// here. A center without the stream (404) is polled instead: GET
// /v1/health's log_size, every POLL_MS, one "log" event per growth.
import * as api from './api.js';

const POLL_MS = 2000;
const RETRY_MS = [1000, 2000, 5000, 10000];

// Parses SSE text: feeds complete events to emit({id, type, data}) and
// returns the unparsed rest. Pure (the tests call it).
export function parseEvents(buf, state, emit) {
	let i;
	while ((i = buf.search(/\r\n|\r|\n/)) >= 0) {
		const line = buf.slice(0, i);
		buf = buf.slice(i + (buf[i] === '\r' && buf[i + 1] === '\n' ? 2 : 1));
		if (line === '') {
			if (state.data.length)
				emit({ id: state.id, type: state.type || 'message',
					data: state.data.join('\n') });
			state.type = '';
			state.data = [];
			continue;
		}
		if (line.startsWith(':'))
			continue;
		const c = line.indexOf(':');
		const field = c < 0 ? line : line.slice(0, c);
		let value = c < 0 ? '' : line.slice(c + 1);
		if (value.startsWith(' '))
			value = value.slice(1);
		if (field === 'data')
			state.data.push(value);
		else if (field === 'event')
			state.type = value;
		else if (field === 'id' && !value.includes('\0'))
			state.id = value;
	}
	return buf;
}

// Starts following the center; onEvent({id, type, data, json}) for each.
// Returns a function that stops.
export function startLive(onEvent) {
	let stopped = false, lastId = null, attempt = 0, ctrl = null, timer = null;

	async function poll(size) {
		if (stopped)
			return;
		try {
			const h = await api.get('/v1/health', { anonymous: true });
			if (size !== null && h.log_size > size)
				onEvent({ id: String(h.log_size - 1), type: 'log',
					data: '', json: { log_size: h.log_size } });
			size = h.log_size;
		} catch (e) {
			/* the center is away: try again */
		}
		timer = setTimeout(() => poll(size), POLL_MS);
	}

	async function stream() {
		if (stopped)
			return;
		ctrl = new AbortController();
		const headers = { Accept: 'text/event-stream',
			Authorization: 'Bearer ' + api.token() };
		if (lastId !== null)
			headers['Last-Event-ID'] = lastId;
		let r;
		try {
			r = await fetch('/v1/events', { headers, signal: ctrl.signal,
				cache: 'no-store', credentials: 'omit' });
		} catch (e) {
			return retry();
		}
		if (r.status === 404 || r.status === 405 || r.status === 403)
			return poll(null);	/* no stream here, or not for us */
		if (!r.ok || !r.body)
			return retry();
		attempt = 0;
		const reader = r.body.pipeThrough(new TextDecoderStream())
		    .getReader();
		const state = { id: null, type: '', data: [] };
		let buf = '';
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done)
					break;
				buf = parseEvents(buf + value, state, (ev) => {
					if (ev.id !== null)
						lastId = ev.id;
					try {
						ev.json = JSON.parse(ev.data);
					} catch (e) {
						ev.json = null;
					}
					onEvent(ev);
				});
			}
		} catch (e) {
			/* aborted or cut: reconnect */
		}
		retry();
	}

	function retry() {
		if (stopped)
			return;
		timer = setTimeout(stream, RETRY_MS[Math.min(attempt++,
		    RETRY_MS.length - 1)]);
	}

	stream();
	return () => {
		stopped = true;
		clearTimeout(timer);
		if (ctrl)
			ctrl.abort();
	};
}
