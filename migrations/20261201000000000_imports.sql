-- Up Migration

-- Quotes' numbers (`quotes.number`) come from the chat-modules migration; imports set the
-- source's number on insert and the numbering trigger keeps it.

-- What an import wrote: which source a row came from (a re-run may update only its own
-- rows, never a hand-made one of the same name) and the source's own text kept beside
-- the translation, with why an item was imported inert. No tokens, ever.
CREATE TABLE import_items (
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  kind text NOT NULL CONSTRAINT import_items_kind_known
    CHECK (kind IN ('settings', 'channel', 'webhook-module', 'module-setting', 'command', 'timer', 'counter', 'quote')),
  key text NOT NULL,
  source text NOT NULL CONSTRAINT import_items_source_known CHECK (source IN ('nightbot', 'streamelements', 'streamlabs-chatbot', 'parley')),
  ref text NOT NULL,
  original jsonb NULL,
  -- The row as the import wrote it: a later import updates the row only while it still
  -- equals this (an edit made in Parley since is never overwritten).
  written jsonb NOT NULL,
  inert text[] NOT NULL DEFAULT '{}',
  notes text[] NOT NULL DEFAULT '{}',
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (community_id, kind, key)
);

-- Import jobs the hub runs in the background: a dry run, then an apply of the same plan.
-- The report is the plan (items with reasons); the source's token is never stored.
CREATE TABLE import_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  source text NOT NULL CONSTRAINT import_jobs_source_known CHECK (source IN ('nightbot', 'streamelements', 'streamlabs-chatbot', 'parley')),
  mode text NOT NULL CONSTRAINT import_jobs_mode_known CHECK (mode IN ('dry-run', 'apply')),
  status text NOT NULL DEFAULT 'queued' CONSTRAINT import_jobs_status_known CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  phase text NOT NULL DEFAULT 'queued',
  done integer NOT NULL DEFAULT 0,
  total integer NOT NULL DEFAULT 0,
  actor text NOT NULL,
  -- For an apply: the dry run whose plan it must match.
  dry_run_id uuid NULL REFERENCES import_jobs (id) ON DELETE SET NULL,
  fingerprint text NULL,
  summary jsonb NULL,
  report jsonb NULL,
  error_code text NULL,
  error text NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz NULL
);
CREATE INDEX import_jobs_community_page_idx ON import_jobs (community_id, created_at, id);
CREATE TRIGGER import_jobs_set_updated_at BEFORE UPDATE ON import_jobs FOR EACH ROW EXECUTE FUNCTION parley_set_updated_at();

-- Down Migration

DROP TABLE import_jobs;
DROP TABLE import_items;
