--[[
  Heartbeats one consumer of a group and claims, at once, the pending entries of the
  group's consumers whose heartbeat stopped: a SIGKILLed pod's entries are taken over
  seconds after it died instead of after the idle time (claimIdle-1.lua stays the net for
  consumers that never heartbeat). Heartbeat, look-up and XCLAIM are one atomic step, so
  two live consumers never claim the same entry. The clock is the server's (TIME).

  A dead consumer left with nothing pending on this stream is deleted from the group
  (its name carried a pid, it will never come back). Heartbeats older than an hour are
  forgotten.

  Input:
    KEYS[1]   stream
    KEYS[2]   sorted set of the group's consumers, scored by their last heartbeat (ms)
    ARGV[1]   group
    ARGV[2]   consumer that heartbeats and claims
    ARGV[3]   heartbeat TTL, ms: a consumer silent this long is dead
    ARGV[4]   maximum number of entries to claim

  Output:
    { claimed, gone }   as claimIdle-1.lua:
    claimed   { { id, deliveryCount, { field, value, ... } }, ... }; deliveryCount includes this claim
    gone      { id, ... } pending entries that no longer exist, now acknowledged
]]
local stream, liveness = KEYS[1], KEYS[2]
local group, self, ttl, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', liveness, now, self)
redis.call('ZREMRANGEBYSCORE', liveness, '-inf', now - 3600000)

local claimed, gone = {}, {}
local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', stream, group)
if not ok then
  return { claimed, gone }
end

for _, info in ipairs(consumers) do
  local name, pending
  for i = 1, #info, 2 do
    if info[i] == 'name' then name = info[i + 1] end
    if info[i] == 'pending' then pending = tonumber(info[i + 1]) end
  end
  local seen = name ~= self and redis.call('ZSCORE', liveness, name)
  if seen and now - tonumber(seen) > ttl then
    if pending == 0 then
      redis.call('XGROUP', 'DELCONSUMER', stream, group, name)
    elseif #claimed + #gone < limit then
      local entries = redis.call('XPENDING', stream, group, '-', '+', limit - #claimed - #gone, name)
      local ids, counts = {}, {}
      for i, p in ipairs(entries) do
        ids[i] = p[1]
        counts[p[1]] = p[4]
      end
      if #ids > 0 then
        local found = {}
        for _, entry in ipairs(redis.call('XCLAIM', stream, group, self, 0, unpack(ids))) do
          if entry and entry[2] then
            found[entry[1]] = true
            claimed[#claimed + 1] = { entry[1], counts[entry[1]] + 1, entry[2] }
          end
        end
        local vanished = {}
        for _, id in ipairs(ids) do
          if not found[id] then vanished[#vanished + 1] = id end
        end
        if #vanished > 0 then
          redis.call('XACK', stream, group, unpack(vanished))
          for _, id in ipairs(vanished) do gone[#gone + 1] = id end
        end
      end
    end
  end
end
return { claimed, gone }
