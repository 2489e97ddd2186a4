import { EventEmitter } from 'node:events';
import type { BusEntry } from '@parley/bus';
import { PermanentError } from '@parley/bus';
import { ContractError, decodeChatEvent, type ChatAction, type ChatEvent, type Platform, type StreamKeys } from '@parley/contracts';
import type { ChannelConfigCache } from './config-cache.js';
import type { CommandEngine, Outcome } from './engine.js';
import type { ChannelConfig } from './types.js';

/** Writes an event's actions at most once: the bus's `StreamProducer.publishOnce`. */
export interface ActionPublisher {
  publishOnce(markKey: string, markTtlSeconds: number, messages: Array<{ stream: string; payload: object }>): Promise<boolean>;
}

/**
 * The built-in chat modules (spam filters, module commands, line counts for timers): they
 * see every event of an owned channel before the command engine, and may take it over.
 */
export interface ChatModuleHook {
  /**
   * null: the command engine decides. Otherwise these actions are the event's, and the
   * engine does not run (`throttled`: a module command over the author's answer budget).
   */
  inspect(event: ChatEvent, config: ChannelConfig): Promise<{ outcome: 'filtered' | 'answered' | 'throttled'; command?: string; actions: ChatAction[] } | null>;
}

export interface EventRouterOptions {
  keys: StreamKeys;
  /** A command older than this when it is processed is dropped, not answered hours late. */
  maxEventAgeMs: number;
  modules?: ChatModuleHook;
}

/** `backlog`: a message said before the ingest joined the chat (`extras.backlog`): recorded, never answered. */
export type RouteOutcome = Outcome | 'filtered' | 'expired' | 'unowned' | 'duplicate' | 'backlog';

export interface RoutedEvent {
  platform: Platform;
  outcome: RouteOutcome;
  /** From ingest receiving the event to its actions being written. */
  latencyMs: number;
  /** The community and Parley channel, once the channel was found to belong to one. */
  communityId?: string;
  channelId?: string;
}

interface EventRouterEvents {
  routed: [RoutedEvent];
}

/**
 * One bus entry in, its actions out: decode, look up the channel's community, let the
 * engine decide, and publish the actions together with an "event handled" mark in one
 * atomic step. A redelivered event finds the mark and writes nothing, so a crash between
 * publishing and acknowledging never makes the bot answer twice.
 */
export class EventRouter extends EventEmitter<EventRouterEvents> {
  private readonly markTtlSeconds: number;

  constructor(
    private readonly engine: CommandEngine,
    private readonly configs: ChannelConfigCache,
    private readonly publisher: ActionPublisher,
    private readonly options: EventRouterOptions,
    private readonly now: () => number = Date.now,
  ) {
    super();
    // Events older than maxEventAgeMs are dropped, so a mark that outlives that age
    // (with room for clock skew between pods) covers every redelivery that could answer.
    this.markTtlSeconds = Math.ceil((2 * options.maxEventAgeMs) / 1_000) + 60;
  }

  async handle(entry: BusEntry): Promise<void> {
    let event;
    try {
      event = decodeChatEvent(entry.payload);
    } catch (error) {
      if (error instanceof ContractError) throw new PermanentError(error.reason);
      throw error;
    }
    const receivedAt = Date.parse(event.receivedAt);
    let owner: { communityId: string; channelId: string } | undefined;
    const report = (outcome: RouteOutcome) =>
      this.emit('routed', { platform: event.platform, outcome, latencyMs: Math.max(0, this.now() - receivedAt), ...owner });

    if (this.now() - receivedAt > this.options.maxEventAgeMs) return void report('expired');
    const config = await this.configs.get(event.platform, event.channel.id);
    if (!config) return void report('unowned');
    owner = { communityId: config.communityId, channelId: config.channelId };
    // Read when the ingest joined a chat (first time or after an outage): answering it now would be out of place.
    if (event.extras?.['backlog'] === true) return void report('backlog');

    const decision = (await this.options.modules?.inspect(event, config)) ?? (await this.engine.decide(event, config));
    if (decision.actions.length === 0) return void report(decision.outcome);
    const written = await this.publisher.publishOnce(
      // The mark and the actions partition share the event channel's hash tag: one slot, one script.
      this.options.keys.handled(event.platform, event.channel.id, event.id),
      this.markTtlSeconds,
      decision.actions.map((action: ChatAction) => ({ stream: this.options.keys.actionsFor(action.platform, action.channel.id), payload: action })),
    );
    report(written ? decision.outcome : 'duplicate');
  }
}
