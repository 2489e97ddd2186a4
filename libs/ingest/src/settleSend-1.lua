--[[
  Ends one attempt of a send, only while the action is still marked `sending:<token>` by
  this attempt: `sent` / `refused` / `ambiguous` are final and kept for the TTL;
  `release` deletes the mark (the platform said "later": the bus delivers it again).

  Input:
    KEYS[1]   the action's delivery state
    ARGV[1]   this attempt's token
    ARGV[2]   sent | refused | ambiguous | release
    ARGV[3]   TTL of a final state, seconds

  Output:
    1 settled, 0 the mark was no longer this attempt's (left alone)
]]
if redis.call('GET', KEYS[1]) ~= 'sending:' .. ARGV[1] then
  return 0
end
if ARGV[2] == 'release' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 1
