-- wrk script: POSTs one JSON body to every connection and, when the run ends, prints one
-- parseable line with the request count and latency percentiles (microseconds).
--   BENCH_BODY=/path/to/body.json wrk -s bench/lib/post.lua ...
local path = os.getenv("BENCH_BODY")
if not path then
  io.stderr:write("post.lua: set BENCH_BODY to the request body file\n")
  os.exit(2)
end
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "sk-bench")

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50=%d p90=%d p99=%d p999=%d max=%d mean=%.1f " ..
    "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
