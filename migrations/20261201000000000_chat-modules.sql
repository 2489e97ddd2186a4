-- Up Migration

-- Quotes are numbered per community (#1, #2, …) for `!quote 42`. A number is never given
-- again, even after its quote is deleted, so "#42" always meant one quote: the last number
-- handed out is kept per community, and a trigger numbers every insert (hub or chat alike).
CREATE TABLE quote_numbers (
  community_id uuid PRIMARY KEY REFERENCES communities (id) ON DELETE CASCADE,
  last_number integer NOT NULL
);

ALTER TABLE quotes ADD COLUMN number integer NULL;
-- Who added it from chat (a display name); null when added through the hub (the audit log says who).
ALTER TABLE quotes ADD COLUMN added_by text NULL;
ALTER TABLE quotes ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text || ' ' || coalesce(attributed_to, ''))) STORED;

UPDATE quotes q SET number = numbered.n
  FROM (SELECT id, row_number() OVER (PARTITION BY community_id ORDER BY created_at, id) AS n FROM quotes) AS numbered
 WHERE q.id = numbered.id;
INSERT INTO quote_numbers (community_id, last_number) SELECT community_id, max(number) FROM quotes GROUP BY community_id;

ALTER TABLE quotes ALTER COLUMN number SET NOT NULL;
ALTER TABLE quotes ADD CONSTRAINT quotes_community_number_unique UNIQUE (community_id, number);
CREATE INDEX quotes_search_idx ON quotes USING gin (search);

-- An imported quote keeps its source's number (importers set it); the counter then moves
-- past it, so a later quote never takes a number an imported one has.
CREATE FUNCTION parley_number_quote() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.number IS NOT NULL THEN
    INSERT INTO quote_numbers AS qn (community_id, last_number) VALUES (NEW.community_id, NEW.number)
    ON CONFLICT (community_id) DO UPDATE SET last_number = GREATEST(qn.last_number, NEW.number);
    RETURN NEW;
  END IF;
  INSERT INTO quote_numbers AS qn (community_id, last_number) VALUES (NEW.community_id, 1)
  ON CONFLICT (community_id) DO UPDATE SET last_number = qn.last_number + 1
  RETURNING last_number INTO NEW.number;
  RETURN NEW;
END;
$$;
CREATE TRIGGER quotes_number BEFORE INSERT ON quotes FOR EACH ROW EXECUTE FUNCTION parley_number_quote();

-- A giveaway's draw is audited with its seed and entries (actor: `chat:<platform>:<viewer>`).
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_known;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_known CHECK (action IN ('create', 'update', 'delete', 'revoke', 'draw'));

-- Down Migration

DELETE FROM audit_log WHERE action = 'draw';
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_known;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_known CHECK (action IN ('create', 'update', 'delete', 'revoke'));

DROP TRIGGER quotes_number ON quotes;
DROP FUNCTION parley_number_quote();
DROP INDEX quotes_search_idx;
ALTER TABLE quotes DROP CONSTRAINT quotes_community_number_unique;
ALTER TABLE quotes DROP COLUMN search;
ALTER TABLE quotes DROP COLUMN added_by;
ALTER TABLE quotes DROP COLUMN number;
DROP TABLE quote_numbers;
