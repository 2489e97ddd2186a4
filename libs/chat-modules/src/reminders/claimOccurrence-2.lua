--[[
  Claims the due occurrence of a community reminder in one channel, so that of any number
  of routers exactly one posts it. The claim is a lease (the member's next look moves to
  now + lease); the occurrence (its due time) is kept as the in-flight slot, so a router
  that dies before completing hands the SAME occurrence to the next claimer, whose post
  the occurrence's publish mark turns into a no-op.

  Input:
    KEYS[1]   the schedule (ZSET member → next look, ms)
    KEYS[2]   the schedule's state (HASH: slot:<member> = occurrence in flight)
    ARGV[1]   member
    ARGV[2]   now, ms
    ARGV[3]   lease, ms

  Output:
    the occurrence (ms, as a string) this caller posts and then completes; nil when not due
    (another router holds it) or no longer scheduled
]]
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
local now = tonumber(ARGV[2])
if not score or tonumber(score) > now then return nil end
local slotField = 'slot:' .. ARGV[1]
local slot = redis.call('HGET', KEYS[2], slotField)
if not slot then
  slot = score
  redis.call('HSET', KEYS[2], slotField, slot)
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return slot
