--[[
  Charges one run of a command, once per chat event: checks the global and per-user
  cooldowns, and when neither blocks, starts them and increments the command's counter.
  The outcome is remembered under the event's charge mark, so a redelivered event gets
  the same answer (same count, same refusal) and never charges twice.

  Input:
    KEYS[1]   global cooldown key of the command
    KEYS[2]   per-user cooldown key of the command and viewer
    KEYS[3]   the command's counter
    KEYS[4]   charge mark of the event

    ARGV[1]   global cooldown, ms (0: none)
    ARGV[2]   per-user cooldown, ms (0: none)
    ARGV[3]   '1' when the viewer bypasses cooldowns (moderators, if the command allows)
    ARGV[4]   '1' to increment the counter
    ARGV[5]   charge mark TTL, seconds

  Output:
    { 'ok', count }                  charged; count is the counter after this run (-1 when not counted)
    { 'cooldown', scope, retryMs }   refused; scope is 'global' or 'user'
]]
local remembered = redis.call('GET', KEYS[4])
if remembered then
  return cjson.decode(remembered)
end

local function finish(outcome)
  redis.call('SET', KEYS[4], cjson.encode(outcome), 'EX', ARGV[5])
  return outcome
end

local globalMs = tonumber(ARGV[1])
local userMs = tonumber(ARGV[2])

if ARGV[3] ~= '1' then
  local globalLeft = redis.call('PTTL', KEYS[1])
  if globalLeft > 0 then return finish({ 'cooldown', 'global', globalLeft }) end
  local userLeft = redis.call('PTTL', KEYS[2])
  if userLeft > 0 then return finish({ 'cooldown', 'user', userLeft }) end
  if globalMs > 0 then redis.call('SET', KEYS[1], '1', 'PX', globalMs) end
  if userMs > 0 then redis.call('SET', KEYS[2], '1', 'PX', userMs) end
end

local count = -1
if ARGV[4] == '1' then count = redis.call('INCR', KEYS[3]) end
return finish({ 'ok', count })
