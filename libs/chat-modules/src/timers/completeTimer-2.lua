--[[
  Completes a firing claimed by claimTimer-2.lua: the lines counted at the claim become
  the new baseline and the timer is next due one interval after now.

  Input:
    KEYS[1]   the schedule (ZSET)
    KEYS[2]   the schedule's state (HASH)

    ARGV[1]   member
    ARGV[2]   the slot that was fired
    ARGV[3]   next due time, ms

  Output:
    1 when completed, 0 when the slot was no longer in flight (completed by another router, or unscheduled)
]]
local slotField = 'slot:' .. ARGV[1]
if redis.call('HGET', KEYS[2], slotField) ~= ARGV[2] then return 0 end
local pending = redis.call('HGET', KEYS[2], 'pending:' .. ARGV[1])
redis.call('HSET', KEYS[2], 'base:' .. ARGV[1], pending)
redis.call('HDEL', KEYS[2], slotField, 'pending:' .. ARGV[1])
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return 1
