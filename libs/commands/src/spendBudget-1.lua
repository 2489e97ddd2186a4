--[[
  Spends one unit of a fixed-window budget: counts the call and starts the window on the
  first one. A script rather than MULTI because ioredis pipelines scripts with the other
  commands of the same tick, while every MULTI costs a write of its own.

  Input:
    KEYS[1]   the budget's counter for the current window

    ARGV[1]   window length, ms

  Output:
    the number of units spent in this window, this one included
]]
local spent = redis.call('INCR', KEYS[1])
if spent == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return spent
