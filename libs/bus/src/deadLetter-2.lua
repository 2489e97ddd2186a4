--[[
  Moves one entry of a consumer group to the dead-letter stream: acknowledges it and, only
  when this acknowledgement is the one that removed it from the pending list, appends the
  dead-letter record. One atomic step in one slot (the dead-letter stream shares the
  stream's hash tag), so a crash or a concurrent claimer can neither lose the entry
  (acknowledged but not dead-lettered) nor dead-letter it twice.

  Input:
    KEYS[1]   the stream the entry was read from
    KEYS[2]   its dead-letter stream
    ARGV[1]   group
    ARGV[2]   entry id
    ARGV[3]   approximate max length of the dead-letter stream (XADD MAXLEN ~)
    ARGV[4..] the dead-letter record as field, value, ...

  Output:
    1   acknowledged and dead-lettered
    0   it was no longer pending (someone else finished it): nothing written
]]
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
return 1
