-- wrk script for the auth servers' load test (benches/http/run.sh).
--
--   SCENARIO=private|presence|hostile|mixed [STOP_AFTER=N] [COUNT_STATUS=0] \
--     wrk -t1 -c32 -d10s -s auth.lua http://127.0.0.1:3000
--
-- Every request is a POST /pusher/auth form as pusher-js sends it, with the demo
-- policy's X-User-Id header. `private` and `presence` are allowed (200); `hostile` are
-- the injections and malformed forms the library exists to refuse (each must get a 4xx:
-- never a 2xx, never a 5xx); `mixed` alternates hostile and good (the soak). Responses
-- are counted by status class and one line is printed at the end:
--
--   RESULT requests=… seconds=… rps=… p50_us=… p99_us=… s2xx=… s4xx=… s5xx=… other=… socket_errors=…
--
-- With STOP_AFTER (and -t1), the run ends after N responses.

local scenario = os.getenv("SCENARIO") or "private"

local private = { user = "alice", body = "socket_id=1234.1234&channel_name=private-alice" }
local presence = { user = "bob", body = "socket_id=98765.4321&channel_name=presence-bob-lobby" }

local long = string.rep("a", 300)
local hostile = {
  -- The 2015 injections: a socket id carrying another channel, or HTTP API parameters.
  { user = "alice", body = "socket_id=1.1%3Aprivate-bob&channel_name=private-alice" },
  { user = "alice", body = "socket_id=1234.1234%0A&auth_key=x&channel_name=private-alice" },
  { user = "alice", body = "socket_id=1234.1234&channel_name=private-alice%0Aroom" },
  -- Too long, missing fields, a bad escape.
  { user = "alice", body = "socket_id=1234.1234&channel_name=private-" .. long .. "-alice" },
  { user = "alice", body = "socket_id=1234.1234" },
  { user = "alice", body = "channel_name=private-alice" },
  { user = "alice", body = "socket_id=%ZZ&channel_name=private-alice" },
  -- Well formed, refused by the policy: another user's channel, a public one, no user.
  { user = "alice", body = "socket_id=1234.1234&channel_name=private-bob" },
  { user = "al", body = "socket_id=1234.1234&channel_name=private-alice" },
  { user = "alice", body = "socket_id=1234.1234&channel_name=private-alice-inbox" },
  { user = "alice", body = "socket_id=1234.1234&channel_name=public-alice" },
  { user = nil, body = "socket_id=1234.1234&channel_name=private-alice" },
}

local plan
if scenario == "private" then
  plan = { private }
elseif scenario == "presence" then
  plan = { presence }
elseif scenario == "hostile" then
  plan = hostile
elseif scenario == "mixed" then
  plan = {}
  for i, r in ipairs(hostile) do
    plan[#plan + 1] = r
    plan[#plan + 1] = (i % 2 == 0) and private or presence
  end
else
  error("unknown SCENARIO " .. scenario)
end

-- Formatted in `init`, once `wrk.headers` holds the Host header (a request without one
-- is a 400 in Node, so it must be there for both servers).
local requests = {}
function init(_)
  for i, r in ipairs(plan) do
    local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
    if r.user then headers["X-User-Id"] = r.user end
    requests[i] = wrk.format("POST", "/pusher/auth", headers, r.body)
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

-- Globals: `done` reads them from each thread with `thread:get`.
s2xx, s4xx, s5xx, other = 0, 0, 0, 0
local stop_after = tonumber(os.getenv("STOP_AFTER") or "0")
local next_index, seen = 0, 0

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

-- Counting by status class costs wrk a Lua call per response (about a third of its
-- throughput): COUNT_STATUS=0 leaves it out, and then only wrk's own count of non-2xx
-- answers is known (reported as `other`, the class columns as -1).
if os.getenv("COUNT_STATUS") ~= "0" then
  function response(status, headers, body)
    if status >= 200 and status < 300 then s2xx = s2xx + 1
    elseif status >= 400 and status < 500 then s4xx = s4xx + 1
    elseif status >= 500 then s5xx = s5xx + 1
    else other = other + 1 end
    seen = seen + 1
    if stop_after > 0 and seen == stop_after then
      -- wrk's main thread sleeps for the whole -d duration; SIGINT ends the run early
      -- and `done` still reports it. Sent by a shell in the background ($PPID: wrk),
      -- since system() ignores SIGINT in wrk until the command returns. Needs -t1.
      wrk.thread:stop()
      os.execute("(sleep 0.1; kill -INT $PPID) &")
    end
  end
end

function done(summary, latency, _)
  local a2, a4, a5, ao = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a2, a4 = a2 + t:get("s2xx"), a4 + t:get("s4xx")
    a5, ao = a5 + t:get("s5xx"), ao + t:get("other")
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  if os.getenv("COUNT_STATUS") == "0" then
    a2, a4, a5, ao = summary.requests - e.status, -1, -1, e.status
  end
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.0f p50_us=%d p99_us=%d s2xx=%d s4xx=%d s5xx=%d other=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    a2, a4, a5, ao, e.connect + e.read + e.write + e.timeout))
end
