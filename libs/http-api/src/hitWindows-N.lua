--[[
  Counts one request against fixed-window rate limits, one counter per key. A window
  starts with the first request and lasts its `window` ms (the key's TTL), so each
  counter and its reset time are one key, and all of them one round trip. On a Redis
  Cluster the caller sends one key per call (the counters hash to different slots).

  Input:
    KEYS[i]   the i-th window's counter

    ARGV[i]   the i-th window, ms

  Output:
    { count1, resetMs1, count2, resetMs2, ... }
    count     requests in this window, this one included
    resetMs   ms until the window ends and the count starts again
]]
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  -- A new counter (or one that lost its TTL) starts a window now.
  if count == 1 or ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[i])
    ttl = tonumber(ARGV[i])
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
