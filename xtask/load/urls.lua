-- wrk script of `cargo xtask load`: each request is the next path of the file given after
-- `--` (one URL per line, as oha's --urls-from-file reads), each thread starting at its own
-- offset; at the end one JSON line with the numbers xtask reads.
local paths = {}
local next_path = 1

function init(args)
  for line in io.lines(args[1]) do
    local path = line:match("^https?://[^/]+(/.*)$")
    if path then paths[#paths + 1] = path end
  end
  next_path = (math.random(#paths) - 1) % #paths + 1
end

function request()
  local p = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", p)
end

function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, s.status, s.connect + s.read + s.write + s.timeout,
    latency:percentile(50), latency:percentile(99)))
end
