--[[
  Records a member's heartbeat: it is live until now + TTL on Redis's clock. Prunes
  members whose heartbeats ran out, and announces a change of membership (a member
  joined, or expired ones were pruned), so the shard manager rebalances at once.

  Input:
    KEYS[1]   the live members: a sorted set, member → expiry (ms)

    ARGV[1]   member id
    ARGV[2]   TTL, ms
    ARGV[3]   notices channel
    ARGV[4]   the notice to publish on a change

  Output:
    1 when the member joined (was not live), 0 when it was already live
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local pruned = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local joined = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if joined == 1 or pruned > 0 then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return joined
