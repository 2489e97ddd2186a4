--[[
  Reports the state of a sliding-window-log rate limit (see acquireSlot-1.lua) without
  taking a slot and without writing anything. Clock: Redis server TIME.

  Input:
    KEYS[1]   the limit's log: sorted set, member = one acquisition, score = its time in ms

    ARGV[1]   limit: acquisitions allowed per window
    ARGV[2]   window, ms

  Output:
    { allowed, remaining, retryAfterMs }
    allowed       1 when an acquire now would be allowed, else 0
    remaining     slots free in the window now
    retryAfterMs  0 when allowed; else ms until the next slot frees up
]]
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local windowStart = string.format('(%d', now - window)
local count = redis.call('ZCOUNT', key, windowStart, '+inf')
if count < limit then
  return { 1, limit - count, 0 }
end

local blocking = redis.call('ZRANGEBYSCORE', key, windowStart, '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
return { 0, 0, tonumber(blocking[2]) + window - now }
