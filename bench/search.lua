-- wrk script: each request searches the next query of queries.txt (each thread
-- starts at a different place), so that no single query is measured repeatedly.
local queries = {}
for line in io.lines("bench/queries.txt") do
  if #line > 0 then queries[#queries + 1] = line end
end

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local counter = 0
local threads = 0

function setup(thread)
  thread:set("offset", threads * 37)
  threads = threads + 1
end

function request()
  counter = counter + 1
  local q = queries[((counter + (offset or 0)) % #queries) + 1]
  return wrk.format("GET", "/api/v1/search?q=" .. urlencode(q))
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.1f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
