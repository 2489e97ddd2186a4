--[[
  Counts one request against a fixed-window rate limit. The window starts with the first
  request and lasts `window` ms (the key's TTL), so the counter and its reset time are one
  key and one round trip.

  Input:
    KEYS[1]   the window's counter

    ARGV[1]   window, ms

  Output:
    { count, resetMs }
    count     requests in this window, this one included
    resetMs   ms until the window ends and the count starts again
]]
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
-- A new counter (or one that lost its TTL) starts a window now.
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
