--[[
  Enters a viewer into a community's open giveaway: one entry per viewer, only while the
  entry window is open.

  Input:
    KEYS[1]   the giveaway's state HASH (status, openUntil, …)
    KEYS[2]   the giveaway's entries HASH (user id → entry JSON)
    ARGV[1]   user id
    ARGV[2]   entry JSON
    ARGV[3]   now, ms

  Output:
    1 entered, 0 already entered, -1 no open window
]]
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return -1 end
if tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0') < tonumber(ARGV[3]) then return -1 end
return redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
