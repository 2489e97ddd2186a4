--[[
  Extends a lease, only for the holder and token that hold it now. A renewal that arrives
  after the lease expired fails even when nobody took it meanwhile: the holder must
  acquire again and gets a new token. So at the expiry boundary there is at most one
  holder: the old one has lost the lease before anybody else can get it.

  Input:
    KEYS[1]   the lease hash

    ARGV[1]   holder id
    ARGV[2]   fencing token
    ARGV[3]   TTL, ms

  Output:
    1 renewed, 0 not held (expired, released, or someone else's)
]]
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
