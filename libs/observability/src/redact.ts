/** What replaces a secret in logs and health reports. */
export const REDACTED = '[REDACTED]';

// scheme://userinfo@ — userinfo is everything up to the last '@' before the path, so an
// unencoded '@' in a password is still covered.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi;

/**
 * Hides the credentials of every URL in `text`, keeping the rest readable for debugging:
 * `redis://:pw@cache:6379` → `redis://***@cache:6379`, `postgres://app:pw@db/x` →
 * `postgres://app:***@db/x`. A lone username (`postgres://postgres@db`) is kept.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon === -1) return `${scheme}${userinfo}@`;
    const user = userinfo.slice(0, colon);
    return user ? `${scheme}${user}:***@` : `${scheme}***@`;
  });
}
