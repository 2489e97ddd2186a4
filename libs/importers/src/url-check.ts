import { UnsafeUrlError, type WebhookUrlGuard } from '@parley/ssrf-guard';
import type { UrlCheck } from './candidates.js';

/** Webhook URLs in an imported document pass the same guard as the hub's own API. */
export function urlCheckFrom(guard: WebhookUrlGuard): UrlCheck {
  return async (url) => {
    try {
      await guard.check(url);
      return null;
    } catch (error) {
      if (error instanceof UnsafeUrlError) return error.message;
      throw error;
    }
  };
}
