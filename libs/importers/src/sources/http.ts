import { ImportError } from '../errors.js';

export interface SourceHttpOptions {
  /** Abort a request that has not finished in this long. */
  timeoutMs: number;
  /** Refuse a response body larger than this (a hostile or broken source). */
  maxBytes: number;
}

export const DefaultSourceHttpOptions: SourceHttpOptions = { timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024 };

/** At most this much of a bad input is quoted back in an error. */
const EXCERPT = 80;

/** Parses JSON text; a syntax error becomes a short `malformed` ImportError naming `what`. */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ImportError('malformed', `${what} is not valid JSON: ${(error as Error).message.slice(0, EXCERPT * 2)}`);
  }
}

export function assertSize(bytes: number, limit: number, what: string): void {
  if (bytes > limit) {
    throw new ImportError('too-large', `${what} is ${(bytes / 1024 / 1024).toFixed(1)} MB; the largest accepted is ${(limit / 1024 / 1024).toFixed(1)} MB`);
  }
}

/**
 * GET a JSON document from a source's API with the user's token. The token goes in the
 * header only; errors name the URL path and status, never the token or the body.
 */
export async function getJson(url: string, authorization: string, options: SourceHttpOptions, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization, accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new ImportError('source-unavailable', `${what}: ${new URL(url).host} could not be reached (${(error as Error).name})`);
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new ImportError('source-auth', `${what}: the source refused the token (HTTP ${response.status}); authorise again with the needed scopes`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ImportError('source-unavailable', `${what}: HTTP ${response.status} from ${new URL(url).pathname}`);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  assertSize(declared, options.maxBytes, what);
  const body = await readBounded(response, options.maxBytes, what);
  return parseJsonText(body, what);
}

/** Reads a body but stops at `limit` bytes, whatever Content-Length claimed. */
async function readBounded(response: Response, limit: number, what: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.byteLength;
    if (total > limit) {
      await response.body?.cancel().catch(() => undefined);
      assertSize(total, limit, what);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The first problem zod found in a record, short enough for a report line. */
export function firstIssue(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  const issue = issues[0];
  if (!issue) return 'unreadable record';
  const path = issue.path.map(String).join('.');
  return `${path ? `${path}: ` : ''}${issue.message}`.slice(0, 160);
}
