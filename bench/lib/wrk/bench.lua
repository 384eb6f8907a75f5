-- wrk script for the benchmark (bench/lib/client.py runs it).
--   BENCH_MODE=get   GET BENCH_PATH (the /ping baseline, a board page)
--   BENCH_MODE=save  PUT /api/v1/attempts/<id>/answers/<qid>: contestants from BENCH_DATA (one line each:
--                    cookie TAB csrf TAB attempt id TAB qid:options,...), split over the threads; a random question
--                    and option each time, seq increasing from BENCH_SEQ_BASE
-- done() prints one line "BENCH {json}" with the counts and latency percentiles (microseconds).
local threads = {}
local counter = 0
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local mode = os.getenv("BENCH_MODE") or "get"
local path = os.getenv("BENCH_PATH") or "/ping"
local people = {}
local idx = 0
local seq = tonumber(os.getenv("BENCH_SEQ_BASE") or "1")
statuses = {}

local function split(s, sep)
  local out = {}
  for piece in string.gmatch(s, "([^" .. sep .. "]+)") do table.insert(out, piece) end
  return out
end

function init(args)
  math.randomseed(os.time() + tid * 7919)
  if mode ~= "save" then return end
  local n = 0
  for line in io.lines(os.getenv("BENCH_DATA")) do
    if n % nthreads == tid then
      local f = split(line, "\t")
      local qs = {}
      for _, item in ipairs(split(f[4], ",")) do
        local q = split(item, ":")
        table.insert(qs, {id = q[1], n = tonumber(q[2])})
      end
      table.insert(people, {cookie = f[1], csrf = f[2], aid = f[3], qs = qs})
    end
    n = n + 1
  end
  idx = math.random(#people) - 1
end

local get_headers = {Accept = "application/json", ["User-Agent"] = "quizapp-bench"}

function request()
  if mode ~= "save" then
    return wrk.format("GET", path, get_headers)
  end
  idx = idx % #people + 1
  local p = people[idx]
  local q = p.qs[math.random(#p.qs)]
  seq = seq + 1
  local body = '{"option_id":' .. math.random(q.n) .. ',"seq":' .. seq .. '}'
  return wrk.format("PUT", "/api/v1/attempts/" .. p.aid .. "/answers/" .. q.id,
    {Cookie = p.cookie, ["X-CSRFToken"] = p.csrf, ["Content-Type"] = "application/json",
     Accept = "application/json", ["User-Agent"] = "quizapp-bench"}, body)
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses") or {}) do all[k] = (all[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(all) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"duration_us":%d,"socket_errors":%d,"p50":%d,"p95":%d,' ..
    '"p99":%d,"max":%d,"statuses":{%s}}\n', summary.requests, summary.duration, e.connect + e.read + e.write +
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    table.concat(parts, ",")))
end
