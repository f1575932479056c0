-- wrk script: as-you-type suggestions. Each request sends the letters typed so far of the
-- next query of queries.txt (a prefix cut at every length from 2 letters on), so that a
-- query's keystrokes are spread over the run and few requests repeat.
local prefixes = {}
for line in io.lines("bench/queries.txt") do
  for i = 2, #line do
    prefixes[#prefixes + 1] = line:sub(1, i)
  end
end

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local counter = 0
local threads = 0

function setup(thread)
  thread:set("offset", threads * 997)
  threads = threads + 1
end

function request()
  counter = counter + 1
  local q = prefixes[((counter + (offset or 0)) % #prefixes) + 1]
  return wrk.format("GET", "/api/v1/search/suggest?q=" .. urlencode(q))
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.1f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
