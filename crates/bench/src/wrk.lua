-- egov-bench http: the script wrk runs. Every request is a POST of the body in
-- $EGOV_BENCH_BODY with an Idempotency-Key no other request of the run has; with
-- $EGOV_BENCH_PATHS (a file of paths, one a line) each request goes to the next path of this
-- thread's share of the file instead of the URL's. `done` prints one line, `EGOV {json}`.
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  local f = assert(io.open(os.getenv("EGOV_BENCH_BODY"), "rb"))
  body = f:read("*a")
  f:close()
  nthreads = tonumber(os.getenv("EGOV_BENCH_THREADS") or "1")
  prefix = (os.getenv("EGOV_BENCH_PREFIX") or "k") .. "-" .. tid .. "-"
  counter = 0
  local list = os.getenv("EGOV_BENCH_PATHS")
  if list and list ~= "" then
    paths = {}
    local i = 0
    for line in io.lines(list) do
      if i % nthreads == tid then
        table.insert(paths, line)
      end
      i = i + 1
    end
  end
end

function request()
  counter = counter + 1
  local path = wrk.path
  if paths then
    path = paths[((counter - 1) % #paths) + 1]
  end
  wrk.headers["Idempotency-Key"] = prefix .. counter
  return wrk.format("POST", path, wrk.headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'EGOV {"requests":%d,"duration_us":%d,"status_errors":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
