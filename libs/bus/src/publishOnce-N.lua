--[[
  Publishes a set of messages at most once per mark: if the mark key is absent it is set
  (with a TTL) and every message is appended to its stream; if the mark exists nothing
  is written. Check, mark and writes are one atomic step, so concurrent or redelivered
  callers with the same mark publish exactly once while the mark lives.

  The number of keys varies (one per message), so the caller passes numkeys = 1 + n.

  Input:
    KEYS[1]           mark key
    KEYS[2 .. n+1]    the stream of each message, in message order (repeats allowed)

    ARGV[1]           mark TTL, seconds
    ARGV[2]           approximate max length of every stream (XADD MAXLEN ~)
    ARGV[3]           k: number of shared field/value pairs
    ARGV[4 .. 3+2k]   shared fields as field, value, ... (traceparent, tracestate, ts)
    ARGV[4+2k .. ]    the JSON payload of each message, in message order

  Output:
    0                 the mark already existed: nothing written
    { id, ... }       the mark was set; the ids of the new entries, in message order
]]
local markKey = KEYS[1]
local ttl = ARGV[1]
local maxLen = ARGV[2]
local sharedCount = tonumber(ARGV[3])

if not redis.call('SET', markKey, '1', 'NX', 'EX', ttl) then
  return 0
end

local firstPayload = 4 + 2 * sharedCount
local ids = {}
for i = 2, #KEYS do
  local args = { 'XADD', KEYS[i], 'MAXLEN', '~', maxLen, '*', 'payload', ARGV[firstPayload + i - 2] }
  for j = 4, 3 + 2 * sharedCount do
    args[#args + 1] = ARGV[j]
  end
  ids[#ids + 1] = redis.call(unpack(args))
end
return ids
