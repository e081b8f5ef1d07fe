-- wrk done() hook for bench/wrk.ts: prints ONE line, "WRK_RESULT " + JSON, after wrk's own text,
-- with the exact counts and latency percentiles (wrk records latency in microseconds).
-- No request()/response() hooks: those would run Lua per request and slow wrk down.
-- NaN or infinite figures (e.g. no request completed) are written as null, so the JSON stays valid.
local function num(x, fmt)
  if x ~= x or x == math.huge or x == -math.huge then return "null" end
  return string.format(fmt or "%.0f", x)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local parts = {
    '"duration_us":' .. num(summary.duration),
    '"requests":' .. num(summary.requests),
    '"bytes":' .. num(summary.bytes),
    '"errors":{"connect":' .. num(e.connect) .. ',"read":' .. num(e.read) .. ',"write":' .. num(e.write)
      .. ',"status":' .. num(e.status) .. ',"timeout":' .. num(e.timeout) .. '}',
    '"latency_us":{"min":' .. num(latency.min) .. ',"mean":' .. num(latency.mean, "%.1f")
      .. ',"max":' .. num(latency.max) .. ',"p50":' .. num(latency:percentile(50))
      .. ',"p90":' .. num(latency:percentile(90)) .. ',"p99":' .. num(latency:percentile(99))
      .. ',"p999":' .. num(latency:percentile(99.9)) .. '}',
  }
  io.write("WRK_RESULT {" .. table.concat(parts, ",") .. "}\n")
end
