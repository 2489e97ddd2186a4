--[[
  Counts how many times in a row a viewer sent the same line (by its hash) within a
  window. A different line starts the count again at 1.

  Input:
    KEYS[1]   the viewer's repeat HASH (hash, count) in one channel
    ARGV[1]   hash of the normalised line
    ARGV[2]   window, ms (the count is forgotten after this long without a repeat)
    ARGV[3]   the event id (a redelivered event is not counted twice)

  Output:
    how many times in a row the line was sent, this one included
]]
if redis.call('HGET', KEYS[1], 'lastEvent') == ARGV[3] then
  return tonumber(redis.call('HGET', KEYS[1], 'count'))
end
local count = 1
if redis.call('HGET', KEYS[1], 'hash') == ARGV[1] then
  count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0') + 1
end
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'count', count, 'lastEvent', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return count
