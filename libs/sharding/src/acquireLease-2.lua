--[[
  Takes a lease for a holder, or extends it when the holder already has it. A new holder
  gets a fencing token one higher than any token ever issued for this lease, so whatever
  the lease protects can refuse writes from a holder that has since lost it.
  Expiry is Redis's own (PEXPIRE), judged on Redis's clock: no client clock is trusted.

  Input:
    KEYS[1]   the lease: a hash { holder, token }, expiring after the TTL
    KEYS[2]   the lease's fencing counter (never expires)

    ARGV[1]   holder id
    ARGV[2]   TTL, ms

  Output:
    { 1, token }            acquired (or extended: same token)
    { 0, token, pttl }      held by someone else: their token and ms until it expires
]]
local holder = redis.call('HGET', KEYS[1], 'holder')
if holder then
  local token = tonumber(redis.call('HGET', KEYS[1], 'token'))
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return { 1, token }
  end
  return { 0, token, redis.call('PTTL', KEYS[1]) }
end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return { 1, token }
