-- wrk script of `cargo xtask load`: each request is the next line of the file given after `--`:
-- a URL (as oha's --urls-from-file reads) is a GET of its path; a JSON body (`--fold-in`) is a
-- POST of it to /v1/recommend; any other line (the base URL written first for bodies) is skipped.
-- Each thread starts at its own offset; at the end one JSON line with the numbers xtask reads.
local requests = {}
local next_request = 1
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  for line in io.lines(args[1]) do
    local path = line:match("^https?://[^/]+(/.*)$")
    if path then
      requests[#requests + 1] = wrk.format("GET", path)
    elseif line:sub(1, 1) == "{" then
      requests[#requests + 1] = wrk.format("POST", "/v1/recommend", headers, line)
    end
  end
  next_request = (math.random(#requests) - 1) % #requests + 1
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, s.status, s.connect + s.read + s.write + s.timeout,
    latency:percentile(50), latency:percentile(99)))
end
