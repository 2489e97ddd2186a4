--[[
  Completes an occurrence claimed by claimOccurrence-2.lua: the member is next looked at on
  its next occurrence, or leaves the schedule when the rule has ended.

  Input:
    KEYS[1]   the schedule (ZSET)
    KEYS[2]   the schedule's state (HASH)
    ARGV[1]   member
    ARGV[2]   the occurrence that was posted
    ARGV[3]   the next occurrence, ms; '' when there is none

  Output:
    1 completed, 0 the occurrence was no longer in flight (completed by another router, or unscheduled)
]]
local slotField = 'slot:' .. ARGV[1]
if redis.call('HGET', KEYS[2], slotField) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], slotField)
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
end
return 1
