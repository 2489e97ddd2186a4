--[[
  Claims one due timer for firing, so that of any number of routers exactly one fires it.
  A claim holds a lease (the member's next look moves to now + lease): a router that dies
  before completing loses the lease and the next claimer fires the SAME slot again, which
  the slot's publish mark turns into a no-op, so a firing is neither lost nor doubled.

  A new firing needs the channel to be live, at least `minLines` viewer lines since the
  timer's last firing (line total − baseline), and no other timer fired in the channel
  within `spacing` (timers never fire together). Otherwise the member is looked at again
  later and nothing fires.

  Input:
    KEYS[1]   the schedule (ZSET)
    KEYS[2]   the schedule's state (HASH: base:<member>, slot:<member>, pending:<member>, last:<channel>)

    ARGV[1]   member
    ARGV[2]   channel key of the member (spacing is per channel)
    ARGV[3]   now, ms
    ARGV[4]   lease, ms
    ARGV[5]   spacing between two firings in one channel, ms
    ARGV[6]   minimum lines since the last firing
    ARGV[7]   the channel's line total, read just before (only ever grows)
    ARGV[8]   '1' when the channel is live
    ARGV[9]   how long to wait before looking again at a timer that may not fire yet, ms

  Output:
    { 'fire', slot }     this caller fires slot (a string) and then completes it
    { 'busy' }           not due (another router claimed it) or no longer scheduled
    { 'offline' } | { 'lines' } | { 'spacing' }   not now; looked at again later
]]
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
local now = tonumber(ARGV[3])
if not score or tonumber(score) > now then return { 'busy' } end

local slotField = 'slot:' .. ARGV[1]
local slot = redis.call('HGET', KEYS[2], slotField)
if not slot then
  local retry = now + tonumber(ARGV[9])
  if ARGV[8] ~= '1' then
    redis.call('ZADD', KEYS[1], retry, ARGV[1])
    return { 'offline' }
  end
  local lines = tonumber(ARGV[7])
  local base = tonumber(redis.call('HGET', KEYS[2], 'base:' .. ARGV[1]) or lines)
  -- A total below the baseline means the channel's count expired and restarted at zero.
  if base > lines then base = 0 end
  if lines - base < tonumber(ARGV[6]) then
    redis.call('ZADD', KEYS[1], retry, ARGV[1])
    return { 'lines' }
  end
  local lastField = 'last:' .. ARGV[2]
  local last = tonumber(redis.call('HGET', KEYS[2], lastField) or '0')
  local spacing = tonumber(ARGV[5])
  if now - last < spacing then
    redis.call('ZADD', KEYS[1], last + spacing, ARGV[1])
    return { 'spacing' }
  end
  slot = tostring(score)
  redis.call('HSET', KEYS[2], slotField, slot, 'pending:' .. ARGV[1], ARGV[7], lastField, now)
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
return { 'fire', slot }
