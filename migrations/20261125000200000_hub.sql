-- Up Migration

-- API keys of a community: `prly_<prefix>_<secret>`. The prefix finds the row; only the
-- SHA-256 of the 32-byte random secret is stored (docs/adr/0003-hub-security.md).
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  prefix text NOT NULL CONSTRAINT api_keys_prefix_format CHECK (prefix ~ '^[a-z0-9]{8,32}$'),
  secret_hash bytea NOT NULL CONSTRAINT api_keys_secret_hash_length CHECK (length(secret_hash) = 32),
  name text NOT NULL CONSTRAINT api_keys_name_not_blank CHECK (btrim(name) <> ''),
  scopes text[] NOT NULL CONSTRAINT api_keys_scopes_known
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']::text[]),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NULL,
  revoked_at timestamptz NULL,
  CONSTRAINT api_keys_prefix_unique UNIQUE (prefix)
);
CREATE INDEX api_keys_community_page_idx ON api_keys (community_id, created_at, id);

-- Every change made through the hub: who, what, when, before/after (secrets redacted by the writer).
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  community_id uuid NULL REFERENCES communities (id) ON DELETE CASCADE,
  -- An API key's prefix, or 'platform-admin'.
  actor text NOT NULL,
  action text NOT NULL CONSTRAINT audit_log_action_known CHECK (action IN ('create', 'update', 'delete', 'revoke')),
  resource text NOT NULL,
  resource_id text NOT NULL,
  before jsonb NULL,
  after jsonb NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_community_page_idx ON audit_log (community_id, at, id);

CREATE TABLE quotes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  text text NOT NULL CONSTRAINT quotes_text_not_blank CHECK (btrim(text) <> ''),
  attributed_to text NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quotes_community_page_idx ON quotes (community_id, created_at, id);
CREATE TRIGGER quotes_set_updated_at BEFORE UPDATE ON quotes FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();

CREATE TABLE counters (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  name text NOT NULL CONSTRAINT counters_name_format CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  value bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT counters_community_name_unique UNIQUE (community_id, name)
);
CREATE INDEX counters_community_page_idx ON counters (community_id, created_at, id);
CREATE TRIGGER counters_set_updated_at BEFORE UPDATE ON counters FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();

CREATE TABLE timers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  name text NOT NULL CONSTRAINT timers_name_format CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  message text NOT NULL CONSTRAINT timers_message_not_blank CHECK (btrim(message) <> ''),
  interval_seconds integer NOT NULL CONSTRAINT timers_interval_minimum CHECK (interval_seconds >= 60),
  min_chat_lines integer NOT NULL DEFAULT 0 CONSTRAINT timers_min_chat_lines_non_negative CHECK (min_chat_lines >= 0),
  enabled boolean NOT NULL DEFAULT true,
  -- null = every channel of the community.
  channel_ids uuid[] NULL CONSTRAINT timers_channel_ids_not_empty CHECK (channel_ids IS NULL OR cardinality(channel_ids) > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT timers_community_name_unique UNIQUE (community_id, name)
);
CREATE INDEX timers_community_page_idx ON timers (community_id, created_at, id);
CREATE TRIGGER timers_set_updated_at BEFORE UPDATE ON timers FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();

-- Settings of the built-in modules, one JSON document per community and module.
CREATE TABLE module_settings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  module text NOT NULL CONSTRAINT module_settings_module_format CHECK (module ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  settings jsonb NOT NULL CONSTRAINT module_settings_is_object CHECK (jsonb_typeof(settings) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT module_settings_community_module_unique UNIQUE (community_id, module)
);
CREATE INDEX module_settings_community_page_idx ON module_settings (community_id, created_at, id);
CREATE TRIGGER module_settings_set_updated_at BEFORE UPDATE ON module_settings FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();

-- The hub pages every list by (created_at, id) within a community.
CREATE INDEX channels_community_page_idx ON channels (community_id, created_at, id);
CREATE INDEX commands_community_page_idx ON commands (community_id, created_at, id);
CREATE INDEX webhook_modules_community_page_idx ON webhook_modules (community_id, created_at, id);
CREATE INDEX communities_page_idx ON communities (created_at, id);

-- Down Migration

DROP INDEX communities_page_idx;
DROP INDEX webhook_modules_community_page_idx;
DROP INDEX commands_community_page_idx;
DROP INDEX channels_community_page_idx;
DROP TABLE module_settings;
DROP TABLE timers;
DROP TABLE counters;
DROP TABLE quotes;
DROP TABLE audit_log;
DROP TABLE api_keys;
