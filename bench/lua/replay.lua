-- Replays the requests listed in a data file (one per line: METHOD, PATH, COOKIE, BODY,
-- separated by tabs); each wrk thread takes every n-th line. Arguments after "--":
--   data-file  cycle|once  ok-status  ok-location-pattern|-  threads  referer
-- "cycle" repeats the thread's lines; "once" sends each line once (a booking can be taken
-- once) and then stops the thread. A response counts as ok when its status is ok-status
-- and, if given, its Location header matches the pattern. done() prints one JSON line
-- ("XQJSON {...}") for bench/run.py: wrk's latency percentiles plus our own counts and the
-- time from the first to the last ok answer (wrk's duration does not end when threads stop).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } xq_timespec;
int clock_gettime(int clk_id, xq_timespec *tp);
]]
local ts = ffi.new("xq_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}
local created = 0

function setup(thread)
  thread:set("tid", created)
  created = created + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[5])
  mode, ok_status = args[2], tonumber(args[3])
  ok_location = args[4] ~= "-" and args[4] or nil
  reqs, idx, ok, bad, other, exhausted = {}, 0, 0, 0, 0, 0
  first_at, last_at = 0, 0
  local lines = {}
  for line in io.lines(file) do table.insert(lines, line) end
  -- Fewer lines than threads: every thread replays all of them (an idle connection would
  -- hold a gunicorn sync worker until its timeout).
  local share = #lines >= nthreads
  for i, line in ipairs(lines) do
    if not share or (i - 1) % nthreads == tid then
      local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
      -- as nginx and a browser would send them (Flask-WTF checks the Referer over HTTPS)
      local headers = { ["X-Forwarded-Proto"] = "https", ["Referer"] = args[6] }
      if cookie ~= "" then headers["Cookie"] = cookie end
      if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
      if body == "" then body = nil end
      table.insert(reqs, wrk.format(method, path, headers, body))
    end
  end
  spare = wrk.format("GET", "/healthz", { ["X-Forwarded-Proto"] = "https" })
end

function request()
  idx = idx + 1
  if idx > #reqs then
    if mode == "once" then
      exhausted = exhausted + 1
      wrk.thread:stop()
      return spare
    end
    idx = 1
  end
  return reqs[idx]
end

function response(status, headers, body)
  local t = now()
  if first_at == 0 then first_at = t end
  local good = status == ok_status
  if good and ok_location then
    local loc = headers["Location"] or headers["location"] or ""
    good = loc:find(ok_location, 1, true) ~= nil
  end
  if good then
    ok = ok + 1
    last_at = t
  elseif status >= 500 then
    bad = bad + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local okn, badn, othern, ex, t0, t1 = 0, 0, 0, 0, math.huge, 0
  for _, thread in ipairs(threads) do
    okn = okn + thread:get("ok")
    badn = badn + thread:get("bad")
    othern = othern + thread:get("other")
    ex = ex + thread:get("exhausted")
    local f, l = thread:get("first_at"), thread:get("last_at")
    if f > 0 and f < t0 then t0 = f end
    if l > t1 then t1 = l end
  end
  local span = (t1 > t0) and (t1 - t0) or 0
  io.write(string.format(
    'XQJSON {"requests": %d, "duration_s": %.3f, "ok": %d, "server_errors": %d, ' ..
    '"other": %d, "exhausted": %d, "ok_span_s": %.3f, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, okn, badn, othern, ex, span,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
