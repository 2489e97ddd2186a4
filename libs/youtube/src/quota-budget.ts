import { LuaScripts } from '@parley/bus';
import { StreamKeys } from '@parley/contracts';
import type { Redis } from 'ioredis';
import { QuotaExhaustedError } from './errors.js';

/** What a call is for: reads may not use the units kept for sending replies. */
export type QuotaPurpose = 'read' | 'send';

export interface RequiredQuotaBudgetOptions {
  keyPrefix: string;
}

export interface OptionalQuotaBudgetOptions {
  /** Units per project per day (YouTube's default quota: 10,000). */
  dailyUnits: number;
  /** Units only sends may spend: a chat read to the last unit could not answer any more. */
  sendReserve: number;
  /** Units one chat may spend per day (0: no cap). */
  chatCap: number;
  /** The clock; tests move it across midnight Pacific time. */
  now: () => Date;
}

export type QuotaBudgetOptions = RequiredQuotaBudgetOptions & Partial<OptionalQuotaBudgetOptions>;

export const DefaultQuotaBudgetOptions: OptionalQuotaBudgetOptions = {
  dailyUnits: 10_000,
  sendReserve: 1_000,
  chatCap: 0,
  now: () => new Date(),
};

export interface QuotaUsage {
  used: number;
  left: number;
  /** ms until the quota day ends (midnight Pacific time). */
  resetInMs: number;
}


/** YouTube's quota day runs from midnight to midnight Pacific time. */
const PACIFIC = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Los_Angeles',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const DAY_MS = 86_400_000;

/** The quota day of `now` (`2026-12-01`) and the ms left in it. */
export function pacificQuotaDay(now: Date): { day: string; endsInMs: number } {
  const parts = Object.fromEntries(PACIFIC.formatToParts(now).map((part) => [part.type, part.value]));
  const intoDay = ((Number(parts['hour']) * 60 + Number(parts['minute'])) * 60 + Number(parts['second'])) * 1000 + now.getMilliseconds();
  // On the two daylight-saving days a Pacific day is 23 or 25 hours long; the day key is
  // exact, only this estimate of what is left is off by that hour.
  return { day: `${parts['year']}-${parts['month']}-${parts['day']}`, endsInMs: DAY_MS - intoDay };
}

/**
 * One daily YouTube quota per paying Google project, shared by every pod in Redis: each
 * call is charged before it is made (chargeQuota-1.lua), so no number of pods can spend
 * more than the day's units. A community that brings its own Google project has its own
 * budget; the deployment's project is the default.
 */
export class QuotaBudget {
  readonly options: RequiredQuotaBudgetOptions & OptionalQuotaBudgetOptions;
  private readonly keys: StreamKeys;
  private readonly scripts: LuaScripts<'chargeQuota'>;

  constructor(
    private readonly redis: Redis,
    options: QuotaBudgetOptions,
  ) {
    this.options = { ...DefaultQuotaBudgetOptions, ...options };
    if (this.options.sendReserve >= this.options.dailyUnits) throw new RangeError('sendReserve must be below dailyUnits');
    this.keys = new StreamKeys(options.keyPrefix);
    this.scripts = new LuaScripts(redis, new URL('.', import.meta.url), ['chargeQuota-1.lua']);
  }

  /** Charges `units` to `project`, or throws {@link QuotaExhaustedError} with nothing charged. */
  async charge(project: string, units: number, purpose: QuotaPurpose, chatId?: string): Promise<QuotaUsage> {
    const { day, endsInMs } = pacificQuotaDay(this.options.now());
    const { dailyUnits, sendReserve, chatCap } = this.options;
    const [charged, used, why] = await this.scripts.run<[number, number, string?]>('chargeQuota', [this.keys.quota('youtube', project, day)], [
      units,
      dailyUnits,
      sendReserve,
      purpose === 'send' ? 1 : 0,
      chatId ? `chat:${chatId}` : '',
      chatCap,
      endsInMs + 3_600_000,
    ]);
    if (charged !== 1) throw new QuotaExhaustedError(project, endsInMs, (why ?? 'daily') as QuotaExhaustedError['why']);
    return { used, left: dailyUnits - used, resetInMs: endsInMs };
  }

  async usage(project: string): Promise<QuotaUsage> {
    const { day, endsInMs } = pacificQuotaDay(this.options.now());
    const used = Number((await this.redis.hget(this.keys.quota('youtube', project, day), 'used')) ?? 0);
    return { used, left: this.options.dailyUnits - used, resetInMs: endsInMs };
  }

  /**
   * What the day will have cost at the pace spent so far: `used` over the part of the
   * Pacific day gone by, scaled to the whole day (the first minute projects nothing).
   */
  async projected(project: string): Promise<number> {
    const { used, resetInMs } = await this.usage(project);
    const elapsed = DAY_MS - resetInMs;
    return elapsed < 60_000 ? used : Math.round((used * DAY_MS) / elapsed);
  }
}
