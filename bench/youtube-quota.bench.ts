/**
 * `npm run bench:youtube-quota`: what reading one YouTube live chat costs in quota units,
 * measured by running the real `LiveChatReader` and `QuotaBudget` (real Redis) against the
 * YouTube fake on a clock sped up `SCALE` times (default 100: one simulated hour in 36 s), beside a
 * naive reader that polls `liveChatMessages.list` every 5 s. For each way of reading:
 * units per chat-hour and chat-hours per default daily quota (10,000 units).
 *
 * Simulated time is the real time each row took × SCALE (measured, not assumed), so a slow
 * machine stretches a row rather than skewing it. The naive poller runs on a fixed-rate
 * schedule (720 calls per simulated hour); when it achieved less than 98 % of that, the
 * machine could not keep up with the scaled clock and the run is reported INVALID (exit 1):
 * lower BENCH_SCALE and run again.
 *
 * Reads only: sending replies costs the same 50 units per message whichever way the chat
 * is read; finding whether a channel is live is budgeted separately (YOUTUBE_LIVE_CHECK_SHARE).
 * Target (issue 14): ≥ 50× the naive poller's chat-hours with streams held 10 min or longer.
 */
import { youtube } from '@googleapis/youtube';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { YouTubeFake } from '@parley/platform-fakes';
import { LiveChatReader, QuotaBudget } from '@parley/youtube';
import { Redis } from 'ioredis';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { table } from './support.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 100);
const SIMULATED_HOURS = Number(process.env.BENCH_HOURS ?? 1);
const DAILY_UNITS = 10_000;
const POLL_MS = 5_000;
const TOKEN = 'bench-token';
/** Simulated ms → real ms. */
const real = (simulatedMs: number) => Math.max(1, Math.round(simulatedMs / SCALE));

const chats = { quiet: 5 * 60_000, busy: 2_000 } as const;
type ChatKind = keyof typeof chats;

const redis = new Redis(redisUrl());
const prefix = uniquePrefix('bench-youtube-quota');
let runs = 0;

interface Run {
  /** Per simulated hour. */
  units: number;
  calls: number;
  messages: number;
  read: number;
  load: string;
}

async function withChat(kind: ChatKind, fakeOptions: ConstructorParameters<typeof YouTubeFake>[0], read: (setup: Setup) => Promise<() => Promise<void>>): Promise<Run> {
  const fake = new YouTubeFake({ pollingIntervalMillis: real(POLL_MS), ...fakeOptions, dailyQuota: Number.MAX_SAFE_INTEGER });
  const { restUrl, grpcAddress } = await fake.start();
  fake.addToken(TOKEN, { project: 'deployment', channelId: 'UCbot' });
  const { liveChatId } = fake.startBroadcast('UCstreamer');
  const budget = new QuotaBudget(redis, { keyPrefix: `${prefix}:${++runs}`, dailyUnits: Number.MAX_SAFE_INTEGER - 1, sendReserve: 0 });
  const api = youtube({ version: 'v3', rootUrl: restUrl.replace(/\/youtube\/v3$/, '/') });
  const seen = new Set<string>();
  const startedAt = performance.now();
  const stop = await read({ fake, liveChatId, budget, api, grpcAddress, seen });
  let messages = 0;
  const talk = setInterval(() => void (fake.viewerSay(liveChatId, { channelId: 'UCviewer', displayName: 'Viewer' }, `hi ${messages++}`)), real(chats[kind]));
  await sleep(real(SIMULATED_HOURS * 3_600_000));
  clearInterval(talk);
  await sleep(real(30_000)); // let the last messages be read
  await stop();
  // Measured, not assumed: what the row really lasted, on the scaled clock.
  const hours = ((performance.now() - startedAt) * SCALE) / 3_600_000;
  const { used } = await budget.usage('deployment');
  await fake.stop();
  return { units: used / hours, calls: fake.calls.length / hours, messages, read: seen.size, load: loadavg().map((value) => value.toFixed(2)).join(' ') };
}

interface Setup {
  fake: YouTubeFake;
  liveChatId: string;
  budget: QuotaBudget;
  api: ReturnType<typeof youtube>;
  grpcAddress: string;
  seen: Set<string>;
}

/** Parley: `streamList`, resumed by page token each time the server ends the call. */
function parley(streaming: boolean) {
  return async ({ liveChatId, budget, api, grpcAddress, seen }: Setup) => {
    const reader = new LiveChatReader({
      liveChatId,
      project: 'deployment',
      budget,
      accessToken: async () => TOKEN,
      grpcAddress,
      grpcTls: false,
      api,
      retryMs: real(1_000),
      maxRetryMs: real(60_000),
      maxPollIntervalMs: real(30_000),
      streamRetryWhilePollingMs: real(10 * 60_000),
      streamFailuresBeforePolling: 1,
      onPage: async (page) => void page.items.forEach((item) => seen.add(item.id!)),
    });
    reader.on('error', () => undefined);
    if (!streaming) reader.options.streamFailuresBeforePolling = 1;
    reader.start();
    return () => reader.stop();
  };
}

/** The naive bot: `list` every 5 s on a fixed-rate schedule, whatever happens in chat. */
async function naive({ liveChatId, budget, api, seen }: Setup) {
  let running = true;
  const loop = (async () => {
    let pageToken: string | undefined;
    const start = performance.now();
    for (let call = 1; running; call++) {
      await budget.charge('deployment', 5, 'read');
      try {
        const { data } = await api.liveChatMessages.list(
          { liveChatId, part: ['snippet', 'authorDetails'], ...(pageToken && { pageToken }) },
          { headers: { authorization: `Bearer ${TOKEN}` }, retry: false },
        );
        for (const item of data.items ?? []) seen.add(item.id!);
        pageToken = data.nextPageToken ?? undefined;
      } catch {
        // A poll refused as too soon still cost its units, as on YouTube.
      }
      await sleep(Math.max(0, start + call * real(POLL_MS) - performance.now()));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

const rows: Array<Record<string, string | number>> = [];
let naiveHours = Number.NaN;
let naiveCallsPerHour = Number.NaN;
const scenarios: Array<{ reader: string; kind: ChatKind; streamHoldMs?: number; streaming?: boolean }> = [
  // The naive poller costs the same whatever is said in chat.
  { reader: 'naive list poller, every 5 s', kind: 'busy' },
  ...[60_000, 10 * 60_000, 3_600_000].flatMap((hold) => (['busy', 'quiet'] as const).map((kind) => ({ reader: `Parley streamList, held ${hold / 60_000} min`, kind, streamHoldMs: hold }))),
  { reader: 'Parley list fallback (no streamList)', kind: 'busy', streaming: false },
  { reader: 'Parley list fallback (no streamList)', kind: 'quiet', streaming: false },
];
for (const scenario of scenarios) {
  const isNaive = scenario.reader.startsWith('naive');
  const result = await withChat(
    scenario.kind,
    {
      streamHoldMs: real(scenario.streamHoldMs ?? 3_600_000),
      streaming: scenario.streaming ?? true,
      // A fixed-rate poller's timer may fire a millisecond early: the fake must not refuse it for that.
      ...(isNaive && { pollingIntervalMillis: Math.floor(real(POLL_MS) * 0.9) }),
    },
    isNaive ? naive : parley(scenario.streaming ?? true),
  );
  const chatHours = DAILY_UNITS / result.units;
  if (isNaive && scenario.kind === 'busy') {
    naiveHours = chatHours;
    naiveCallsPerHour = result.calls;
  }
  rows.push({
    reader: scenario.reader,
    chat: scenario.kind,
    // The naive poller's schedule is 720 calls an hour: fewer means this machine could not keep up.
    'calls / hour': Math.round(result.calls),
    'units / chat-hour': Math.round(result.units),
    'chat-hours / 10k units': chatHours.toFixed(1),
    'vs naive': `${(chatHours / naiveHours).toFixed(1)}×`,
    'messages read': `${result.read}/${result.messages}`,
    'load avg (1 5 15 min)': result.load,
  });
}
await deleteKeysWithPrefix(redis, prefix);
redis.disconnect();
console.log(`YouTube quota per chat-hour, ${SIMULATED_HOURS} simulated hour(s) per row at ${SCALE}× speed (real reader, real Redis, the fake)\n`);
console.log(table(rows));
const schedule = 3_600_000 / POLL_MS;
if (!(naiveCallsPerHour >= 0.98 * schedule)) {
  console.log(`\nINVALID: the naive poller made ${Math.round(naiveCallsPerHour)} calls per simulated hour, not its ${schedule}: this machine could not keep up with ${SCALE}× time. Run again with a lower BENCH_SCALE.`);
  process.exitCode = 1;
} else {
  console.log(`\nValid: the naive poller kept its schedule (${Math.round(naiveCallsPerHour)} of ${schedule} calls per simulated hour).`);
}
