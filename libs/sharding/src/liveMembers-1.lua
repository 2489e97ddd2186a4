--[[
  The members whose heartbeats have not run out, by Redis's clock, sorted by id.
  Prunes the others (and announces that, when there were any).

  Input:
    KEYS[1]   the live members sorted set

    ARGV[1]   notices channel
    ARGV[2]   the notice to publish when members were pruned

  Output:
    the live member ids, sorted
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) > 0 then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(members)
return members
