--[[
  Deletes a channel's live state only when this pod wrote it: during a make-before-break
  hand-over the next owner may have written it already, and its record must stay.

  Input:
    KEYS[1]   the channel's live-state hash
    ARGV[1]   the pod that parts the channel

  Output:
    1 deleted, 0 left alone (another pod's record, or none)
]]
if redis.call('HGET', KEYS[1], 'pod') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
