--[[
  Withdraws a make-before-break successor mark, only when it is still this member's: a
  member that stops running a unit it warmed up must not leave the owner believing
  somebody runs it, while a newer successor's mark stays.

  Input:
    KEYS[1]   the unit's successor mark (a string: the member that runs the unit)

    ARGV[1]   member id

  Output:
    1 withdrawn, 0 not this member's (a no-op)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
