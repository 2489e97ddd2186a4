--[[
  Records one strike against a viewer and returns how many they have, with decay: one
  strike is forgiven per `decay` ms since the last one, so a viewer who behaves climbs
  back down the ladder. The same event never counts twice (a redelivered event gets
  the count it got the first time).

  Input:
    KEYS[1]   the viewer's strike HASH (count, lastAt, lastEvent)
    ARGV[1]   now, ms
    ARGV[2]   decay, ms per forgiven strike
    ARGV[3]   the event id

  Output:
    the viewer's strikes including this one (1 = first rung of the ladder)
]]
if redis.call('HGET', KEYS[1], 'lastEvent') == ARGV[3] then
  return tonumber(redis.call('HGET', KEYS[1], 'count'))
end
local now = tonumber(ARGV[1])
local decay = tonumber(ARGV[2])
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local lastAt = tonumber(redis.call('HGET', KEYS[1], 'lastAt') or ARGV[1])
count = math.max(0, count - math.floor((now - lastAt) / decay)) + 1
redis.call('HSET', KEYS[1], 'count', count, 'lastAt', now, 'lastEvent', ARGV[3])
redis.call('PEXPIRE', KEYS[1], count * decay)
return count
