-- wrk -s bench/distinct.lua: statistics queries that are never alike
-- (a random period of 28 to 365 days from 2020 to 2025, by agency), so
-- that each one is computed, none shared with another request nor kept:
-- the thread pool under concurrent misses (docs/performance.md,
-- section 16).
--   wrk -t2 -c16 -d6s --latency -s bench/distinct.lua http://127.0.0.1:PORT
math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))

request = function()
  local t0 = os.time{year = math.random(2020, 2025),
                     month = math.random(1, 12),
                     day = math.random(1, 28), hour = 12}
  local t1 = t0 + math.random(28, 365) * 86400
  return wrk.format("GET", string.format(
    "/api/v1/stats?from=%s&to=%s&group=agency",
    os.date("%Y-%m-%d", t0), os.date("%Y-%m-%d", t1)))
end
