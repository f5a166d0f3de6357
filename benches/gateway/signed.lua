-- wrk script for benches/gateway/run.sh: each request is a different signed trigger,
-- read from the file given after `--` (one `<path?query> <body>` per line), so a
-- replay guard sees only first sightings. Thread t sends lines t, t+T, t+2T, ...
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  lines = {}
  for line in io.lines(args[1]) do
    lines[#lines + 1] = line
  end
  step = tonumber(args[2])
  next_index = id
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local line = lines[next_index % #lines + 1]
  next_index = next_index + step
  local path, body = line:match("^(%S+) (.*)$")
  return wrk.format("POST", path, nil, body)
end
