--[[
  Removes a delivered reminder.

  Input:
    KEYS[1]   the reminder schedule (ZSET)
    KEYS[2]   the reminders (HASH)
    KEYS[3]   the viewer's pending reminder ids (SET)
    ARGV[1]   reminder id

  Output:
    1 removed, 0 already gone
]]
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])
