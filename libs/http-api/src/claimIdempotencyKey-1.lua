--[[
  Claims an Idempotency-Key for one request, or says what became of an earlier request
  with the same key.

  Input:
    KEYS[1]   the key's record: hash { fingerprint, response? }

    ARGV[1]   fingerprint of this request (method, path, body)
    ARGV[2]   how long a claim without a response lives, ms (a crashed request frees it)

  Output:
    { 'claimed' }             first use: run the request, then store its response
    { 'mismatch' }            the key was used for a different request
    { 'pending' }             the first request with this key is still running
    { 'replay', response }    the stored response of the first request
]]
local record = redis.call('HMGET', KEYS[1], 'fingerprint', 'response')
if not record[1] then
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { 'claimed' }
end
if record[1] ~= ARGV[1] then
  return { 'mismatch' }
end
if not record[2] then
  return { 'pending' }
end
return { 'replay', record[2] }
