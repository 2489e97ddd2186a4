--[[
  Gives a lease up, only for the holder and token that hold it now, and says so on the
  notification channel, so a waiting successor can take it at once instead of polling.

  Input:
    KEYS[1]   the lease hash

    ARGV[1]   holder id
    ARGV[2]   fencing token
    ARGV[3]   channel to PUBLISH the release on ('' for none)
    ARGV[4]   the message published (the lease's name)

  Output:
    1 released, 0 not held (a no-op)
]]
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  redis.call('DEL', KEYS[1])
  if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
  return 1
end
return 0
