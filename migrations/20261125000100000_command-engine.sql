-- Up Migration

-- Whether a viewer hitting a cooldown gets a short (rate-limited) notice instead of silence.
ALTER TABLE communities ADD COLUMN cooldown_notice boolean NOT NULL DEFAULT false;

-- A community's webhook modules: commands they serve are POSTed to url, signed with secret.
CREATE TABLE webhook_modules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  name text NOT NULL CONSTRAINT webhook_modules_name_format CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  url text NOT NULL CONSTRAINT webhook_modules_url_http CHECK (url ~ '^https?://'),
  secret text NOT NULL CONSTRAINT webhook_modules_secret_length CHECK (length(secret) >= 16),
  timeout_ms integer NOT NULL DEFAULT 2000 CONSTRAINT webhook_modules_timeout_range CHECK (timeout_ms BETWEEN 100 AND 10000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhook_modules_community_name_unique UNIQUE (community_id, name)
);
CREATE TRIGGER webhook_modules_set_updated_at BEFORE UPDATE ON webhook_modules FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();

-- null = every channel of the community; otherwise the channels the command answers in.
ALTER TABLE commands ADD COLUMN channel_ids uuid[] NULL
  CONSTRAINT commands_channel_ids_not_empty CHECK (channel_ids IS NULL OR cardinality(channel_ids) > 0);
-- A command served by a webhook module; deleting the module leaves the command on its template.
ALTER TABLE commands ADD COLUMN module_id uuid NULL REFERENCES webhook_modules (id) ON DELETE SET NULL;
CREATE INDEX commands_module_id_idx ON commands (module_id) WHERE module_id IS NOT NULL;

-- Down Migration

ALTER TABLE commands DROP COLUMN module_id;
ALTER TABLE commands DROP COLUMN channel_ids;
DROP TABLE webhook_modules;
ALTER TABLE communities DROP COLUMN cooldown_notice;
