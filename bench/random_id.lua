-- wrk script: GET /v1/customers/<random id in 1..BENCH_CUSTOMERS>, sending the API key.
-- Both servers get the same requests (the baseline ignores the Authorization header).
-- done() prints one line, "BENCH_RESULT {json}", which python -m bench reads.

local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "")
local token = os.getenv("BENCH_TOKEN")
if not customers or customers < 1 then
  error("BENCH_CUSTOMERS must be a positive integer")
end
if not token or token == "" then
  error("BENCH_TOKEN must be set")
end

local headers = { ["Authorization"] = "Token token=" .. token }
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  -- Each thread has its own Lua state: seed each differently.
  math.randomseed(os.time() + 7919 * thread_number)
  math.random()
end

function request()
  return wrk.format("GET", "/v1/customers/" .. math.random(1, customers), headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"non_2xx_3xx": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "latency_mean_us": %.1f, '
      .. '"latency_p50_us": %d, "latency_p99_us": %d, "latency_max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.status, e.connect, e.read, e.write, e.timeout, latency.mean,
    latency:percentile(50), latency:percentile(99), latency.max
  ))
end
