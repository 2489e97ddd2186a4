--[[
  Publishes a platform's assignment, only for the current holder of the shard manager's
  leader lease (the fencing check): a deposed manager that still thinks it leads cannot
  overwrite its successor's work. The epoch grows by one with every publication, across
  leaders, and the new assignment is announced on the notices channel.

  Input:
    KEYS[1]   the leader lease hash { holder, token }
    KEYS[2]   the assignment hash: `_epoch`, `_updatedAt`, `_moved`, `_token`, and
              `m:<member>` → JSON array of units

    ARGV[1]   holder id
    ARGV[2]   fencing token
    ARGV[3]   units moved by this publication
    ARGV[4]   notices channel
    ARGV[5]   the notice
    ARGV[6..] member id, JSON units, member id, JSON units, ...

  Output:
    the new epoch, or -1 when the caller does not hold the leader lease
]]
if redis.call('HGET', KEYS[1], 'holder') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'token') ~= ARGV[2] then
  return -1
end
local epoch = tonumber(redis.call('HGET', KEYS[2], '_epoch') or '0') + 1
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], '_epoch', epoch, '_updatedAt', now, '_moved', ARGV[3], '_token', ARGV[2])
for i = 6, #ARGV, 2 do
  redis.call('HSET', KEYS[2], 'm:' .. ARGV[i], ARGV[i + 1])
end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return epoch
