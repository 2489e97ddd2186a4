--[[
  The durable "being sent" mark, written BEFORE a message goes out (ADR 0002). One step:
  read the action's delivery state; if nobody sent it, mark it `sending:<token>` and pick
  the text variant to send: the text itself, or the text with 1..3 invisible suffixes when
  it equals the last line of this identity in this channel (platforms that refuse a repeat
  within a window, e.g. Twitch's msg_duplicate). The last line lives in Redis, so every pod
  and a restarted process agree on it.

  An action already `sending:<other token>` was being sent when its process died: whether it
  reached the channel is unknown. ARGV[3] is the written policy for it: `drop` marks it
  `ambiguous` (at most once), `resend` takes the mark over and sends again (at least once).

  Input:
    KEYS[1]   the action's delivery state (string)
    KEYS[2]   the last text this identity sent in this channel (string)
    ARGV[1]   this attempt's token
    ARGV[2]   TTL of the delivery state, seconds
    ARGV[3]   policy for an action found `sending` under another token: drop | resend
    ARGV[4]   the text
    ARGV[5]   the invisible suffix; empty when the platform does not refuse repeats
    ARGV[6]   how long the last text matters, ms (the platform's repeat window)

  Output:
    { 'go', text }          marked sending:<token>; send `text`
    { 'resumed', text }     found sending:<other>, policy resend: marked ours; send `text`
    { 'ambiguous', state }  found sending:<other>, policy drop: now `ambiguous`
    { 'settled', state }    already sent / ambiguous / refused: nothing to do
]]
local mark, lastKey = KEYS[1], KEYS[2]
local token, ttl, policy, text, suffix, window = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local mine = 'sending:' .. token

local state = redis.call('GET', mark)
local verdict = 'go'
if state and state ~= mine then
  if string.sub(state, 1, 8) ~= 'sending:' then
    return { 'settled', state }
  end
  if policy ~= 'resend' then
    redis.call('SET', mark, 'ambiguous', 'EX', ttl)
    return { 'ambiguous', state }
  end
  verdict = 'resumed'
end
redis.call('SET', mark, mine, 'EX', ttl)

local chosen = text
if suffix ~= '' then
  local last = redis.call('GET', lastKey)
  for i = 0, 3 do
    chosen = i == 0 and text or (text .. ' ' .. string.rep(suffix, i))
    if chosen ~= last then break end
  end
  redis.call('SET', lastKey, chosen, 'PX', window)
end
return { verdict, chosen }
