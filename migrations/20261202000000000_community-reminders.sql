-- Up Migration

-- A community's reminders (issue 17): a message posted on a schedule, one-off or recurring,
-- written as RFC 5545 DTSTART + RRULE lines (the hub validates them with the routers'
-- parser). Posted once per occurrence by the routers' Redis-held schedule.
CREATE TABLE reminders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  name text NOT NULL CONSTRAINT reminders_name_format CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  message text NOT NULL CONSTRAINT reminders_message_not_blank CHECK (btrim(message) <> ''),
  schedule text NOT NULL CONSTRAINT reminders_schedule_size CHECK (length(schedule) BETWEEN 1 AND 2000),
  enabled boolean NOT NULL DEFAULT true,
  -- null = every channel of the community.
  channel_ids uuid[] NULL CONSTRAINT reminders_channel_ids_not_empty CHECK (channel_ids IS NULL OR cardinality(channel_ids) > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT reminders_community_name_unique UNIQUE (community_id, name)
);
CREATE INDEX reminders_community_page_idx ON reminders (community_id, created_at, id);
CREATE TRIGGER reminders_set_updated_at BEFORE UPDATE ON reminders FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();

-- Down Migration

DROP TABLE reminders;
