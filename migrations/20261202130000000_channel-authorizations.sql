-- Up Migration

-- Whether a platform lets the bot into a channel, as the ingest last learned it (issue 16:
-- a Twitch broadcaster grants `channel:bot`, or refuses or revokes it). Written by the
-- ingest, shown on the hub's channel resource; apart from `channels` so that the ingest's
-- writes leave the channel's configuration (and its updated_at) alone.
CREATE TABLE channel_authorizations (
  channel_id uuid PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
  state text NOT NULL CONSTRAINT channel_authorizations_state_known CHECK (state IN ('granted', 'refused')),
  -- Why refused: the platform's answer (helix_403) or revocation status (authorization_revoked, user_removed).
  reason text NULL CONSTRAINT channel_authorizations_reason_size CHECK (length(reason) <= 64),
  -- When the state last changed (not when it was last confirmed).
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE channel_authorizations;
