import { z } from 'zod';
import { HttpProblem } from './problem.js';

/** A position in a list ordered by (time, id): what a cursor hides. */
export interface CursorPosition {
  at: string;
  id: string;
}

const Position = z.tuple([z.iso.datetime({ offset: false, precision: 6 }), z.string().min(1).max(64)]);

/** An opaque `next` cursor: clients pass it back, they never build or read one. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

/** @throws HttpProblem 400 for a cursor this API did not hand out. */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const [at, id] = Position.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
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
  cursor: z.string().min(1).max(256).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** The body of a list response: the page's items and the cursor of the next page (null on the last). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}
