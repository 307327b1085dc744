-- Fluent Bit Lua filter for pino's JSON lines (the Aura server with AURA_LOG_FORMAT=json), run
-- after the `pino` parser (parsers.conf) has made the line's fields the record's.
--
-- pino writes `level` as a number and `time` as milliseconds since the epoch:
--   {"level":30,"time":1796608935707,"pid":1,"hostname":"aura-server-0","msg":"Server listening at ..."}
-- A parser's Time_Format cannot read milliseconds since the epoch, so this sets the record's
-- timestamp from `time` (then drops it: the timestamp is the time now), and turns `level` into
-- its name, which is what people search for (level="error"), keeping the number as level_value.
-- A line that is not pino's (the start-up banner, the agent's lines) passes as it came.

-- pino's default levels (pino.levels.values); deploy-k8s.test.ts checks them against pino's own.
local LEVELS = {
  [10] = "trace",
  [20] = "debug",
  [30] = "info",
  [40] = "warn",
  [50] = "error",
  [60] = "fatal",
}

function pino(tag, timestamp, record)
  local level = record["level"]
  local time = record["time"]
  if type(level) ~= "number" or type(time) ~= "number" then
    -- 0: the record and its timestamp unchanged.
    return 0, timestamp, record
  end
  record["level"] = LEVELS[level] or tostring(level)
  record["level_value"] = level
  record["time"] = nil
  -- 1: both changed; a timestamp is seconds, with the milliseconds as its fraction.
  return 1, time / 1000, record
end
