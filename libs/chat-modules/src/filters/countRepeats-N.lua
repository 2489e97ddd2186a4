--[[
  Counts, for each line of one batch, how many times in a row its viewer sent the same line
  (by its hash) within a window. A different line starts the count again at 1. One call
  serves every line of a batch in one channel (the keys share the channel's hash tag), so
  the repeats filter costs one Redis call per batch and channel, not one per line.

  Input:
    KEYS[i]           a viewer's repeat HASH (hash, count, lastEvent) in the channel
    ARGV[3i-2]        hash of that line, normalised
    ARGV[3i-1]        window, ms (the count is forgotten after this long without a repeat)
    ARGV[3i]          the line's event id (a redelivered event is not counted twice)

  A viewer may appear more than once in a batch: the lines are counted in order.

  Output:
    per key, in order: how many times in a row the line was sent, this one included
]]
local counts = {}
for i = 1, #KEYS do
  local key, hash, window, eventId = KEYS[i], ARGV[3 * i - 2], ARGV[3 * i - 1], ARGV[3 * i]
  local state = redis.call('HMGET', key, 'hash', 'count', 'lastEvent')
  if state[3] == eventId then
    counts[i] = tonumber(state[2])
  else
    local count = 1
    if state[1] == hash then count = tonumber(state[2] or '0') + 1 end
    redis.call('HSET', key, 'hash', hash, 'count', count, 'lastEvent', eventId)
    redis.call('PEXPIRE', key, window)
    counts[i] = count
  end
end
return counts
