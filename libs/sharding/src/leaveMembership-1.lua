--[[
  Removes a member at once (a pod draining), and announces it.

  Input:
    KEYS[1]   the live members sorted set

    ARGV[1]   member id
    ARGV[2]   notices channel
    ARGV[3]   the notice

  Output:
    1 when the member was live, else 0
]]
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if removed == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return removed
