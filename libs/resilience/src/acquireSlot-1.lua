--[[
  Takes one slot of a sliding-window-log rate limit if one is free: at most `limit`
  acquisitions in any window of `windowMs`. The log is a sorted set of acquisition times;
  the clock is the Redis server's (TIME), so every process and pod shares one clock.
  A refused attempt is not logged (it does not use up the limit).

  Input:
    KEYS[1]   the limit's log: sorted set, member = one acquisition, score = its time in ms

    ARGV[1]   limit: acquisitions allowed per window
    ARGV[2]   window, ms
    ARGV[3]   member: a unique id for this acquisition

  Output:
    { allowed, remaining, retryAfterMs }
    allowed       1 when a slot was taken, else 0
    remaining     slots still free in the window after this call
    retryAfterMs  0 when allowed; else ms until the next slot frees up
]]
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- An acquisition at t counts while t > now - window.
redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%d', now - window))
local count = redis.call('ZCARD', key)

if count < limit then
  redis.call('ZADD', key, string.format('%d', now), ARGV[3])
  -- The log disappears when its newest acquisition leaves the window.
  redis.call('PEXPIRE', key, window)
  return { 1, limit - count - 1, 0 }
end

-- A slot frees up when the acquisition that puts the log over the limit leaves the
-- window: the oldest one, or a later one if the limit was lowered since.
local blocking = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return { 0, 0, tonumber(blocking[2]) + window - now }
