import { z } from 'zod';
import { HttpProblem } from './problem.js';

/** A position in a list ordered by (time, id): what a cursor hides. */
export interface CursorPosition {
  at: string;
  id: string;
}

/** The type of the ids a list is ordered by (after its time): what a cursor's id must be. */
export type CursorIdKind = 'uuid' | 'bigint';

// Year 0000 passes ISO 8601 but not PostgreSQL's timestamptz; no row of ours was made then.
const At = z.iso.datetime({ offset: false, precision: 6 }).refine((at) => !at.startsWith('0000-'), 'year 0 is not a time any row has');
const Positions: Record<CursorIdKind, z.ZodType<[string, string]>> = {
  uuid: z.tuple([At, z.uuid()]),
  // As the database prints a bigint: no sign, no leading zero, at most 18 digits (within int8).
  bigint: z.tuple([At, z.string().regex(/^(0|[1-9]\d{0,17})$/)]),
};

/** An opaque `next` cursor: clients pass it back, they never build or read one. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

/**
 * The position a cursor names, for a list whose ids are `idKind`. Everything decoded is
 * checked (a real time PostgreSQL accepts, an id of the list's type), so a crafted cursor
 * is the documented 400, never a database error.
 * @throws HttpProblem 400 for a cursor this API did not hand out.
 */
export function decodeCursor(cursor: string, idKind: CursorIdKind): CursorPosition {
  try {
    const [at, id] = Positions[idKind].parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { at, id };
  } catch {
    throw new HttpProblem(400, 'The cursor is not one this API handed out; start again without it.', {
      extensions: { errors: [{ location: 'query', field: 'cursor', message: 'unknown cursor' }] },
    });
  }
}

export const PAGINATION_DEFAULTS = { limit: 50, maxLimit: 200 } as const;

/** The `limit` and `cursor` query parameters every list route takes. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(PAGINATION_DEFAULTS.maxLimit).default(PAGINATION_DEFAULTS.limit),
  cursor: z.string().min(1).max(256).optional().describe('The `next` of the previous page, passed back as it was; any other cursor is a 400'),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** The body of a list response: the page's items and the cursor of the next page (null on the last). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}
