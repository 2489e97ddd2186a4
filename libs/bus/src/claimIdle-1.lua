--[[
  Finds the entries of a consumer group that have been pending (delivered, not
  acknowledged) for at least minIdleMs on any consumer, dead ones included, and claims
  them for one consumer: XPENDING IDLE and XCLAIM in one atomic step, so two consumers
  never claim the same entry in one round and each claimed entry comes with its real
  delivery count (XAUTOCLAIM does not report delivery counts).

  Entries that are pending but no longer in the stream (trimmed by MAXLEN or deleted)
  are removed from the pending list with XACK and reported separately: Redis 7 XCLAIM
  drops them silently, older servers answer nil for them.

  Input:
    KEYS[1]   stream
    ARGV[1]   group
    ARGV[2]   consumer that claims
    ARGV[3]   minimum idle time, ms
    ARGV[4]   maximum number of entries to look at

  Output:
    { claimed, gone }
    claimed   { { id, deliveryCount, { field, value, ... } }, ... } in id order;
              deliveryCount includes this claim
    gone      { id, ... } pending entries that no longer exist, now acknowledged
]]
local stream = KEYS[1]
local group = ARGV[1]
local consumer = ARGV[2]
local minIdle = ARGV[3]

local pending = redis.call('XPENDING', stream, group, 'IDLE', minIdle, '-', '+', ARGV[4])
local claimed, gone = {}, {}
if #pending == 0 then
  return { claimed, gone }
end

local ids, counts = {}, {}
for i, p in ipairs(pending) do
  ids[i] = p[1]
  counts[p[1]] = p[4]
end

local found = {}
local entries = redis.call('XCLAIM', stream, group, consumer, minIdle, unpack(ids))
for _, entry in ipairs(entries) do
  -- An older server answers nil (false here) for a deleted entry; it has no id to match.
  if entry and entry[2] then
    found[entry[1]] = true
    claimed[#claimed + 1] = { entry[1], counts[entry[1]] + 1, entry[2] }
  end
end

for _, id in ipairs(ids) do
  if not found[id] then
    gone[#gone + 1] = id
  end
end
if #gone > 0 then
  redis.call('XACK', stream, group, unpack(gone))
end
return { claimed, gone }
