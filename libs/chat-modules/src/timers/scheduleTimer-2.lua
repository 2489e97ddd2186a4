--[[
  Puts a timer (one timer in one channel) on the schedule unless it is there already.
  A new member starts counting chat lines from now: its baseline is the channel's line
  total at this moment, so lines seen before the timer existed do not count.

  Input:
    KEYS[1]   the schedule (ZSET member → next look, ms)
    KEYS[2]   the schedule's state (HASH)

    ARGV[1]   member (`<timer id>/<channel id>`)
    ARGV[2]   first due time, ms
    ARGV[3]   the channel's line total now

  Output:
    1 when the member was added, 0 when it was already scheduled
]]
local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
if added == 1 then
  redis.call('HSET', KEYS[2], 'base:' .. ARGV[1], ARGV[3])
  redis.call('HDEL', KEYS[2], 'slot:' .. ARGV[1])
end
return added
