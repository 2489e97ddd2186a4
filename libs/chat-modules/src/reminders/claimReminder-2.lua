--[[
  Claims a due reminder for delivery: its due time moves to now + lease, so exactly one
  router delivers it, and a router that dies before completing hands it to the next
  claimer once the lease runs out (the delivery's publish mark prevents a second post).

  Input:
    KEYS[1]   the reminder schedule (ZSET)
    KEYS[2]   the reminders (HASH)
    ARGV[1]   reminder id
    ARGV[2]   now, ms
    ARGV[3]   lease, ms

  Output:
    the reminder JSON when claimed, nil when not due (claimed by another router) or gone
]]
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return nil end
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
return redis.call('HGET', KEYS[2], ARGV[1])
