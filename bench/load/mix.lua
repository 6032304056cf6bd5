-- bench/load/mix.lua: wrk's request mix for bench/load/run.sh — 70 %
-- observation queries, 10 % inclusion proofs, 10 % hash tiles, 10 %
-- writes of one new observation; every answer's status is counted.
local counter = 0
local threads = {}
local token = os.getenv("TOKEN")
local size = tonumber(os.getenv("LOG_SIZE"))

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

function init(args)
	counts = {}
	math.randomseed(id * 7919 + 1)
end

request = function()
	local r = math.random(100)
	local h = { ["Authorization"] = "Bearer " .. token }
	if r <= 70 then
		local lon = 46.5 + math.random() * 0.5
		local lat = 39.6 + math.random() * 0.5
		return wrk.format("GET", string.format(
		    "/v1/observations?bbox=%.3f,%.3f,%.3f,%.3f&limit=10",
		    lon, lat, lon + 0.2, lat + 0.2), h)
	elseif r <= 80 then
		return wrk.format("GET", "/v1/log/proof/inclusion?index=" ..
		    math.random(0, size - 1) .. "&size=" .. size, h)
	elseif r <= 90 then
		return wrk.format("GET", "/tile/0/000", h)
	end
	counter = counter + 1
	h["Content-Type"] = "application/json"
	return wrk.format("POST", "/v1/observations", h, string.format(
	    '{"observed_at":"2026-11-21T08:00:00Z","source":{"type":' ..
	    '"patrol","member":"RU","unit":"load-%d-%d"},"category":' ..
	    '"explosion","location":{"lat":39.9,"lon":46.8}}', id, counter))
end

response = function(status, headers, body)
	counts[status] = (counts[status] or 0) + 1
end

done = function(summary, latency, requests)
	local all = {}
	for _, t in ipairs(threads) do
		local c = t:get("counts")
		for s, n in pairs(c) do all[s] = (all[s] or 0) + n end
	end
	local line = "statuses"
	for s, n in pairs(all) do line = line .. " " .. s .. "=" .. n end
	print(line)
	print(string.format("p50_ms=%.1f p99_ms=%.1f requests=%d errors_connect=%d errors_read=%d errors_timeout=%d",
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    summary.requests, summary.errors.connect, summary.errors.read,
	    summary.errors.timeout))
end
