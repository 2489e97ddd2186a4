--[[
  Counts, for each line of one batch in one channel, how many times in a row its viewer
  sent the same line (by its fingerprint) within a window. A different line, or the same
  one after a window without any line from that viewer, starts the count again at 1. One
  call serves every line of a batch in the channel, so the repeats filter costs one Redis
  call per batch and channel, and two keys whatever the number of viewers.

  The channel's viewers are fields of one HASH per generation (a window long): a line is
  written to the current generation and a viewer's last line is looked up there, then in
  the previous one. A generation's key expires two windows after its last write, so the
  channel keeps only the viewers who spoke in the last two windows (Redis 7.0 has no TTL
  per hash field).

  Input:
    KEYS[1]       the channel's HASH for the current generation (viewer → last line's state)
    KEYS[2]       the channel's HASH for the previous generation
    ARGV[1]       now, ms
    ARGV[2]       window, ms (a viewer's last line is forgotten after this long)
    ARGV[3]       the batch's lines, each "<fingerprint> <n> <viewer id><m> <event id>" with
                  n and m the byte lengths of the viewer id and the event id (ids may hold any
                  character; one argument for the batch keeps the client's work per line small);
                  the fingerprint is the normalised text's (no spaces); a redelivered event is
                  not counted twice

  A field's value is "<fingerprint> <count> <lastAt> <event id>". A viewer may appear more
  than once in a batch: the lines are counted in order.

  Output:
    per line, in order: how many times in a row it was sent, this one included
]]
local current, previous = KEYS[1], KEYS[2]
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local counts = {}
local latest = {}
local batch = ARGV[3]
local at, i = 1, 0
while at <= #batch do
  local fingerprint, viewerLength, viewerAt = string.match(batch, '^(%S+) (%d+) ()', at)
  local viewer = string.sub(batch, viewerAt, viewerAt + viewerLength - 1)
  local eventLength, eventAt = string.match(batch, '^(%d+) ()', viewerAt + viewerLength)
  local eventId = string.sub(batch, eventAt, eventAt + eventLength - 1)
  at = eventAt + eventLength
  i = i + 1
  local state = latest[viewer] or redis.call('HGET', current, viewer) or redis.call('HGET', previous, viewer)
  local lastFingerprint, count, lastAt, lastEvent
  if state then
    lastFingerprint, count, lastAt, lastEvent = string.match(state, '^(%S+) (%d+) (%d+) (.*)$')
    if lastAt and now - tonumber(lastAt) > window then lastFingerprint = nil end
  end
  if lastFingerprint and lastEvent == eventId then
    counts[i] = tonumber(count)
  else
    local n = 1
    if lastFingerprint == fingerprint then n = tonumber(count) + 1 end
    local value = fingerprint .. ' ' .. n .. ' ' .. now .. ' ' .. eventId
    latest[viewer] = value
    redis.call('HSET', current, viewer, value)
    counts[i] = n
  end
end
redis.call('PEXPIRE', current, 2 * window)
return counts
