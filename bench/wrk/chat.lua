-- wrk script: POST the bench's chat request and print the run's figures as one JSON line.
-- Environment (set by bench/run.mjs):
--   BENCH_BODY_FILE  file holding the request body (bench/lib/payloads.mjs writes it)
--   BENCH_HEADERS    extra request headers, one "name: value" per line
--   BENCH_PATH       request path (default /v1/chat/completions)
--   BENCH_HOLD_MS    if set, each connection's first request waits this long (see below)
--   BENCH_CONNECTIONS  the run's connection count (-c), needed with BENCH_HOLD_MS (one wrk thread)
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/v1/chat/completions"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local k, v = line:match("^%s*([^:]+):%s*(.-)%s*$")
  if k then wrk.headers[k] = v end
end

-- The hold: wrk opens every connection at once, then a Node server accepts them one per turn of its
-- event loop (libuv >= 1.45), so under load the last ones wait up to a second before their first
-- request is read. Holding each connection's first request until all are open measures the steady
-- state instead of that ramp. wrk asks delay() before every request; the first BENCH_CONNECTIONS
-- asks are the connections' first requests. Defined only when asked for: delay() costs wrk a timer
-- per request.
local holdMs = tonumber(os.getenv("BENCH_HOLD_MS") or "0")
local toHold = tonumber(os.getenv("BENCH_CONNECTIONS") or "0")
if holdMs > 0 and toHold > 0 then
  function delay()
    if toHold > 0 then
      toHold = toHold - 1
      return holdMs
    end
    return 0
  end
else
  holdMs = 0
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"hold_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, holdMs * 1000, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
