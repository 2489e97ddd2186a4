--[[
  Marks the shared access token due for refresh, but only while it is still the token
  the platform refused: a pod reporting a refusal late must not throw away a fresh token.

  Input:
    KEYS[1]   the account's token hash { accessToken, refreshToken, expiresAt }

    ARGV[1]   the refused access token

  Output:
    1 marked due, 0 already replaced (or none stored)
]]
if redis.call('HGET', KEYS[1], 'accessToken') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'expiresAt', 0)
  return 1
end
return 0
