-- Up Migration

-- Communities own channels and commands; everything else hangs off them.
-- Keeps updated_at honest whichever client writes (hub, seeds, psql).
CREATE FUNCTION parley_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TABLE communities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CONSTRAINT communities_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name text NOT NULL CONSTRAINT communities_name_not_blank CHECK (btrim(name) <> ''),
  -- The prefix viewers type before a command name; whitespace would make it untypeable.
  command_prefix text NOT NULL DEFAULT '!' CONSTRAINT communities_command_prefix_format CHECK (command_prefix ~ '^\S{1,8}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE channels (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  platform text NOT NULL CONSTRAINT channels_platform_known CHECK (platform IN ('twitch', 'youtube', 'discord', 'slack')),
  -- The platform's own stable id (Twitch room id, YouTube channel id, Discord/Slack channel id), not the display name.
  platform_channel_id text NOT NULL CONSTRAINT channels_platform_channel_id_not_blank CHECK (platform_channel_id <> ''),
  name text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  -- The bot identity that speaks in this channel; null = the deployment's default bot.
  bot_login text NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT channels_platform_channel_unique UNIQUE (platform, platform_channel_id)
);

-- ON DELETE CASCADE from communities scans by community_id; the hub lists a community's channels.
CREATE INDEX channels_community_id_idx ON channels (community_id);
-- Ingest pods and the shard manager list the enabled channels of one platform.
CREATE INDEX channels_enabled_by_platform_idx ON channels (platform) WHERE enabled;

CREATE TABLE commands (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  -- Matched case-insensitively by lowering what the viewer typed, so stored lowercase.
  name text NOT NULL CONSTRAINT commands_name_format CHECK (name = lower(name) AND name ~ '^\S{1,64}$'),
  aliases text[] NOT NULL DEFAULT '{}' CONSTRAINT commands_aliases_lowercase CHECK (aliases::text = lower(aliases::text)),
  response text NOT NULL CONSTRAINT commands_response_not_blank CHECK (btrim(response) <> ''),
  min_role text NOT NULL DEFAULT 'everyone'
    CONSTRAINT commands_min_role_known CHECK (min_role IN ('everyone', 'subscriber', 'vip', 'moderator', 'broadcaster')),
  global_cooldown_seconds integer NOT NULL DEFAULT 0 CONSTRAINT commands_global_cooldown_non_negative CHECK (global_cooldown_seconds >= 0),
  user_cooldown_seconds integer NOT NULL DEFAULT 0 CONSTRAINT commands_user_cooldown_non_negative CHECK (user_cooldown_seconds >= 0),
  moderators_bypass_cooldown boolean NOT NULL DEFAULT true,
  enabled boolean NOT NULL DEFAULT true,
  -- null = every platform the community is on; otherwise a non-empty subset of the known ones.
  platforms text[] NULL CONSTRAINT commands_platforms_known
    CHECK (platforms IS NULL OR (cardinality(platforms) > 0 AND platforms <@ ARRAY['twitch', 'youtube', 'discord', 'slack']::text[])),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Also the index for "a community's commands" and for the cascade from communities.
  CONSTRAINT commands_community_name_unique UNIQUE (community_id, name)
);

CREATE TRIGGER communities_set_updated_at BEFORE UPDATE ON communities FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();
CREATE TRIGGER channels_set_updated_at BEFORE UPDATE ON channels FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();
CREATE TRIGGER commands_set_updated_at BEFORE UPDATE ON commands FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();

-- Down Migration

DROP TABLE commands;
DROP TABLE channels;
DROP TABLE communities;
DROP FUNCTION parley_set_updated_at();
