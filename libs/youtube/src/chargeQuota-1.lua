--[[
  Charges a call to a project's daily quota before it is made, or refuses it. Reads may
  not eat into the units reserved for sending replies; one chat may not spend more than
  its cap, so one busy chat cannot starve the others.

  Input:
    KEYS[1]   the project's quota hash for the day: `used`, and `chat:<id>` per chat

    ARGV[1]   units the call costs
    ARGV[2]   daily units of the project
    ARGV[3]   units reserved for sends (a read may use at most daily - reserve)
    ARGV[4]   1 when the call is a send (may use the reserve), else 0
    ARGV[5]   the chat's field (`chat:<id>`), or '' when the call is not for one chat
    ARGV[6]   the chat's cap for the day, 0 for none
    ARGV[7]   the hash's TTL, ms (past the end of the quota day)

  Output:
    { 1, used }            charged; `used` is the project's total for the day now
    { 0, used, why }       refused, nothing charged; why = 'daily' | 'reserved' | 'chat-cap'
]]
local units = tonumber(ARGV[1])
local daily = tonumber(ARGV[2])
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
if used + units > daily then return { 0, used, 'daily' } end
if ARGV[4] ~= '1' and used + units > daily - tonumber(ARGV[3]) then return { 0, used, 'reserved' } end
local cap = tonumber(ARGV[6])
if ARGV[5] ~= '' and cap > 0 and tonumber(redis.call('HGET', KEYS[1], ARGV[5]) or '0') + units > cap then
  return { 0, used, 'chat-cap' }
end
used = redis.call('HINCRBY', KEYS[1], 'used', units)
if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[1], ARGV[5], units) end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return { 1, used }
