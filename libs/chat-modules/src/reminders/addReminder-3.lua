--[[
  Schedules a viewer's one-off reminder unless they already have the most allowed pending.
  Idempotent: the same reminder id (from the chat event) is added once.

  Input:
    KEYS[1]   the reminder schedule (ZSET id → due ms)
    KEYS[2]   the reminders (HASH id → JSON)
    KEYS[3]   the viewer's pending reminder ids (SET)
    ARGV[1]   reminder id
    ARGV[2]   due, ms
    ARGV[3]   reminder JSON
    ARGV[4]   most pending reminders per viewer

  Output:
    1 added (or added before), 0 the viewer has too many pending
]]
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
