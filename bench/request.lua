-- wrk script for every scenario of python -m bench (see bench/scenarios.py).
--
-- Environment: BENCH_METHOD, BENCH_PATH and BENCH_BODY (templates), BENCH_CONTENT_TYPE,
-- BENCH_TOKEN (sent as "Authorization: Token token=<key>"), BENCH_KEYS (a file of
-- "id<TAB>code<TAB>name" lines: the customers requests pick from), BENCH_NONCE (digits,
-- unique to the wrk run). Each request fills the templates' placeholders:
--   @id@ @code@ @name@ @qname@  a random customer of the sample (qname: percent-encoded)
--   @uid@ @xid@                 a token / an integer unique to the request
-- Both servers get the same requests (the baseline ignores the Authorization header).
-- done() prints one line, "BENCH_RESULT {json}", which python -m bench reads.

local function required(name)
  local value = os.getenv(name)
  if not value or value == "" then
    error(name .. " must be set")
  end
  return value
end

local method = required("BENCH_METHOD")
local path_template = required("BENCH_PATH")
local body_template = os.getenv("BENCH_BODY") or ""
local content_type = os.getenv("BENCH_CONTENT_TYPE") or ""
local token = required("BENCH_TOKEN")
local keys_file = required("BENCH_KEYS")
local nonce = tonumber(required("BENCH_NONCE"))

local headers = { ["Authorization"] = "Token token=" .. token }
if content_type ~= "" then
  headers["Content-Type"] = content_type
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local ids, codes, names, qnames = {}, {}, {}, {}
local count = 0
local counter = 0
local row = 1

local function encode(text)
  return (text:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function init(args)
  -- Each thread has its own Lua state: seed each differently.
  math.randomseed(os.time() + 7919 * thread_number + nonce)
  math.random()
  for line in io.lines(keys_file) do
    local id, code, name = line:match("^(%d+)\t([^\t]+)\t(.+)$")
    if id then
      count = count + 1
      ids[count], codes[count], names[count], qnames[count] = id, code, name, encode(name)
    end
  end
  if count == 0 then
    error("no customers in " .. keys_file)
  end
end

local function value(name)
  if name == "id" then
    return ids[row]
  elseif name == "code" then
    return codes[row]
  elseif name == "name" then
    return names[row]
  elseif name == "qname" then
    return qnames[row]
  elseif name == "uid" then
    return string.format("%dx%dx%d", nonce, thread_number, counter)
  elseif name == "xid" then
    return string.format("%.0f", nonce * 1e9 + thread_number * 1e8 + counter)
  end
  return nil -- not a placeholder: left as it is
end

local function fill(template)
  return (template:gsub("@(%w+)@", value))
end

function request()
  row = math.random(1, count)
  counter = counter + 1
  local body = nil
  if body_template ~= "" then
    body = fill(body_template)
  end
  return wrk.format(method, fill(path_template), headers, body)
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
