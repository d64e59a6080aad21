-- wrk script of `cargo xtask load --fold-in`: the file given after `--` holds the server's base
-- URL on its first line, then one JSON body per line; each request posts the next body to
-- /v1/recommend (a new user's fold-in), each thread starting at its own offset; at the end one
-- JSON line with the numbers xtask reads (as urls.lua).
local bodies = {}
local next_body = 1
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  local first = true
  for line in io.lines(args[1]) do
    if first then first = false elseif #line > 0 then bodies[#bodies + 1] = line end
  end
  next_body = (math.random(#bodies) - 1) % #bodies + 1
end

function request()
  local b = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format("POST", "/v1/recommend", headers, b)
end

function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, s.status, s.connect + s.read + s.write + s.timeout,
    latency:percentile(50), latency:percentile(99)))
end
