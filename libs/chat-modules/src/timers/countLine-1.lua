--[[
  Counts one viewer's chat line in a platform channel: what timers wait for (lines) and
  how the router tells the channel is live without a platform signal (lastAt).

  Input:
    KEYS[1]   the channel's line HASH
    ARGV[1]   now, ms
    ARGV[2]   TTL of the hash, seconds (a channel silent that long forgets its count)

  Output:
    the channel's line total after this line
]]
local lines = redis.call('HINCRBY', KEYS[1], 'lines', 1)
redis.call('HSET', KEYS[1], 'lastAt', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return lines
