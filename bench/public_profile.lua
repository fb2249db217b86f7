-- wrk script for bench/public_profile_bench.py.
--   wrk -s bench/public_profile.lua URL -- codes CODES_FILE PREFIX   random code per request
--   wrk -s bench/public_profile.lua URL -- fixed PATH                always the same path
-- Every request carries a random X-Forwarded-For address, as many clients behind one trusted
-- proxy (the server runs with DJANGO_NUM_PROXIES=1), so the per-client throttle does its real
-- work (one Redis round trip per request) without refusing the benchmark.
-- done() prints one line "RESULT {json}" that the driver parses.

local codes = {}
local mode, arg2, prefix = "fixed", "/", "/credit/"

function init(args)
  mode = args[1] or "fixed"
  arg2 = args[2] or "/"
  prefix = args[3] or "/credit/"
  if mode == "codes" then
    for line in io.lines(arg2) do
      if #line > 0 then codes[#codes + 1] = line end
    end
  end
  math.randomseed(math.floor(os.clock() * 1e9) + os.time())
end

function request()
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local path = arg2
  if mode == "codes" then
    path = prefix .. codes[math.random(#codes)] .. "/"
  end
  return wrk.format("GET", path, { ["X-Forwarded-For"] = ip })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "non2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
