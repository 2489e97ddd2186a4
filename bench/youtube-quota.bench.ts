/**
 * `npm run bench:youtube-quota`: what reading one YouTube live chat costs in quota units,
 * measured by running the real `LiveChatReader` and `QuotaBudget` (real Redis) against the
 * YouTube fake on a clock sped up `SCALE` times (default 200: one simulated hour in 18 s), beside a
 * naive reader that polls `liveChatMessages.list` every 5 s. For each way of reading:
 * units per chat-hour and chat-hours per default daily quota (10,000 units).
 *
 * Reads only: sending replies costs the same 50 units per message whichever way the chat
 * is read, and finding whether a channel is live is not counted here.
 * Target (issue 14): ≥ 50× the naive poller's chat-hours with streams held 10 min or longer.
 */
import { youtube } from '@googleapis/youtube';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { YouTubeFake } from '@parley/platform-fakes';
import { LiveChatReader, QuotaBudget } from '@parley/youtube';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { table } from './support.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 200);
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
  units: number;
  calls: number;
  messages: number;
  read: number;
}

async function withChat(kind: ChatKind, fakeOptions: ConstructorParameters<typeof YouTubeFake>[0], read: (setup: Setup) => Promise<() => Promise<void>>): Promise<Run> {
  const fake = new YouTubeFake({ ...fakeOptions, pollingIntervalMillis: real(POLL_MS), dailyQuota: Number.MAX_SAFE_INTEGER });
  const { restUrl, grpcAddress } = await fake.start();
  fake.addToken(TOKEN, { project: 'deployment', channelId: 'UCbot' });
  const { liveChatId } = fake.startBroadcast('UCstreamer');
  const budget = new QuotaBudget(redis, { keyPrefix: `${prefix}:${++runs}`, dailyUnits: Number.MAX_SAFE_INTEGER - 1, sendReserve: 0 });
  const api = youtube({ version: 'v3', rootUrl: restUrl.replace(/\/youtube\/v3$/, '/') });
  const seen = new Set<string>();
  const stop = await read({ fake, liveChatId, budget, api, grpcAddress, seen });
  let messages = 0;
  const talk = setInterval(() => void (fake.viewerSay(liveChatId, { channelId: 'UCviewer', displayName: 'Viewer' }, `hi ${messages++}`)), real(chats[kind]));
  await sleep(real(SIMULATED_HOURS * 3_600_000));
  clearInterval(talk);
  await sleep(real(30_000)); // let the last messages be read
  await stop();
  const { used } = await budget.usage('deployment');
  await fake.stop();
  return { units: used / SIMULATED_HOURS, calls: fake.calls.length / SIMULATED_HOURS, messages, read: seen.size };
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

/** The naive bot: `list` every 5 s, whatever happens in chat. */
async function naive({ liveChatId, budget, api, seen }: Setup) {
  let running = true;
  const loop = (async () => {
    let pageToken: string | undefined;
    while (running) {
      await budget.charge('deployment', 5, 'read');
      const { data } = await api.liveChatMessages.list(
        { liveChatId, part: ['snippet', 'authorDetails'], ...(pageToken && { pageToken }) },
        { headers: { authorization: `Bearer ${TOKEN}` }, retry: false },
      );
      for (const item of data.items ?? []) seen.add(item.id!);
      pageToken = data.nextPageToken ?? undefined;
      await sleep(data.pollingIntervalMillis ?? real(POLL_MS));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

const rows: Array<Record<string, string | number>> = [];
let naiveHours = Number.NaN;
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
    { streamHoldMs: real(scenario.streamHoldMs ?? 3_600_000), streaming: scenario.streaming ?? true },
    isNaive ? naive : parley(scenario.streaming ?? true),
  );
  const chatHours = DAILY_UNITS / result.units;
  if (isNaive && scenario.kind === 'busy') naiveHours = chatHours;
  rows.push({
    reader: scenario.reader,
    chat: scenario.kind,
    // The naive poller's schedule is 720 calls an hour: fewer means this machine could not keep up.
    'calls / hour': Math.round(result.calls),
    'units / chat-hour': Math.round(result.units),
    'chat-hours / 10k units': chatHours.toFixed(1),
    'vs naive': `${(chatHours / naiveHours).toFixed(1)}×`,
    'messages read': `${result.read}/${result.messages}`,
  });
}
await deleteKeysWithPrefix(redis, prefix);
redis.disconnect();
console.log(`YouTube quota per chat-hour, ${SIMULATED_HOURS} simulated hour(s) per row at ${SCALE}× speed (real reader, real Redis, the fake)\n`);
console.log(table(rows));
