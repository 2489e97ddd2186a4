import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { highestRole } from '@parley/commands';
import type { ChatEvent } from '@parley/contracts';
import type { Redis } from 'ioredis';
import type { ChatModuleKeys } from '../keys.js';
import type { GiveawaySettings } from '../settings.js';
import { drawWinner, seedCommitment, type GiveawayEntry } from './draw.js';

/** A draw as the audit log keeps it: enough to recompute the winner with `drawWinner`. */
export interface DrawRecord {
  giveawayId: string;
  seed: string;
  seedCommitment: string;
  round: number;
  excluded: string[];
  entries: GiveawayEntry[];
  winner: GiveawayEntry | null;
}

/** Where draws are recorded (the hub's audit log). */
export interface DrawLog {
  recordDraw(communityId: string, actor: string, record: DrawRecord): Promise<void>;
}

const ENTER = 'parleyEnterGiveaway';
const enterLua = readFileSync(new URL('./enterGiveaway-2.lua', import.meta.url), 'utf8');
type ScriptedRedis = Redis & { [ENTER](state: string, entries: string, userId: string, entry: string, now: number): Promise<number> };

/**
 * Keyword giveaways, one open per community, held in Redis: a moderator opens an entry
 * window, viewers type the keyword (one entry each, tickets weighted by role when the
 * settings say so), and a draw picks a winner with `drawWinner`. The seed is chosen when
 * the window opens and only its SHA-256 is shown then; the draw reveals it and writes
 * seed, entries and winner to the audit log, so anyone can recompute the result and no
 * one could have picked the seed after seeing the entries. A re-draw is the next round
 * without the earlier winners.
 */
export class Giveaways {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly keys: ChatModuleKeys,
    private readonly log: DrawLog,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand(ENTER, { numberOfKeys: 2, lua: enterLua });
    this.redis = redis as ScriptedRedis;
  }

  async start(communityId: string, giveawayId: string, minutes: number): Promise<{ opened: true; commitment: string } | { opened: false }> {
    const state = this.keys.giveawayState(communityId);
    if ((await this.redis.hget(state, 'status')) === 'open' && Number(await this.redis.hget(state, 'openUntil')) >= this.now()) return { opened: false };
    const seed = randomBytes(32).toString('hex');
    const commitment = seedCommitment(seed);
    await this.redis
      .multi()
      .del(state, this.keys.giveawayEntries(communityId))
      .hset(state, { id: giveawayId, status: 'open', openUntil: this.now() + minutes * 60_000, seed, commitment, round: 0, winners: '[]' })
      .exec();
    return { opened: true, commitment };
  }

  /** A line that is the keyword: 1 entered, 0 entered before, -1 no window open. */
  async enter(communityId: string, event: ChatEvent, settings: GiveawaySettings): Promise<number> {
    const weight = settings.weights[highestRole(event.author.roles)] ?? 1;
    const entry: GiveawayEntry = { userId: event.author.id, name: event.author.displayName || event.author.name, weight };
    return this.redis[ENTER](this.keys.giveawayState(communityId), this.keys.giveawayEntries(communityId), entry.userId, JSON.stringify(entry), this.now());
  }

  async close(communityId: string): Promise<boolean> {
    return (await this.redis.hset(this.keys.giveawayState(communityId), 'status', 'closed')) === 0;
  }

  async entries(communityId: string): Promise<number> {
    return this.redis.hlen(this.keys.giveawayEntries(communityId));
  }

  /** Closes the window and draws the next round's winner; null when there is no giveaway. */
  async draw(communityId: string, actor: string): Promise<DrawRecord | null> {
    const stateKey = this.keys.giveawayState(communityId);
    const state = await this.redis.hgetall(stateKey);
    if (!state.id || !state.seed) return null;
    const entries = Object.values(await this.redis.hgetall(this.keys.giveawayEntries(communityId))).map((json) => JSON.parse(json) as GiveawayEntry);
    const excluded = JSON.parse(state.winners ?? '[]') as string[];
    const round = Number(state.round ?? 0) + 1;
    const winner = drawWinner(state.seed, entries, round, new Set(excluded));
    const record: DrawRecord = { giveawayId: state.id, seed: state.seed, seedCommitment: state.commitment!, round, excluded, entries, winner };
    // Audited first: a draw nobody can check must not be announced.
    await this.log.recordDraw(communityId, actor, record);
    await this.redis.hset(stateKey, { status: 'closed', round, winners: JSON.stringify(winner ? [...excluded, winner.userId] : excluded) });
    return record;
  }
}
