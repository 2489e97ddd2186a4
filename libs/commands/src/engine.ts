import { chatActionId, type ChatAction, type ChatEvent, type Platform } from '@parley/contracts';
import type { ChargeResult, CommandLedger } from './command-ledger.js';
import { parseInvocation, type Invocation } from './invocation.js';
import { meetsRole } from './roles.js';
import { countersIn, renderTemplate, sanitizeForPlatform } from './template.js';
import type { ChannelConfig, CommandSpec, ModuleSpec } from './types.js';

export type Outcome = 'answered' | 'not-a-command' | 'unknown-command' | 'denied' | 'disabled' | 'cooldown' | 'throttled' | 'error';

export interface Decision {
  outcome: Outcome;
  /** The command that matched, when one did. */
  command?: string;
  actions: ChatAction[];
}

/** What running a matched command means, decided without any I/O. */
export type Plan =
  | { outcome: 'not-a-command' | 'unknown-command' }
  | { outcome: 'denied' | 'disabled'; command: string }
  | { outcome: 'run'; command: CommandSpec | BuiltInName; invocation: Invocation };

type BuiltInName = 'ping' | 'commands' | 'addcom' | 'editcom' | 'delcom';
const BUILT_INS: Record<BuiltInName, { minRole: 'everyone' | 'moderator' }> = {
  ping: { minRole: 'everyone' },
  commands: { minRole: 'everyone' },
  addcom: { minRole: 'moderator' },
  editcom: { minRole: 'moderator' },
  delcom: { minRole: 'moderator' },
};

/** Changes a community's commands from chat (`!addcom`, `!editcom`, `!delcom`). */
export interface CommandAdmin {
  add(communityId: string, name: string, response: string): Promise<'added' | 'exists'>;
  edit(communityId: string, name: string, response: string): Promise<'edited' | 'missing'>;
  remove(communityId: string, name: string): Promise<'removed' | 'missing'>;
}

/** Calls a webhook module; never throws for the module's own failures. */
export interface ModuleInvoker {
  invoke(
    module: ModuleSpec,
    request: { event: ChatEvent; command: string; args: string[]; communityId: string },
  ): Promise<{ kind: 'reply'; text: string } | { kind: 'silent' } | { kind: 'fallback'; text: string }>;
}

export interface CommandEngineServices {
  /** Cooldowns and counters; without it (dry runs) nothing is charged. */
  ledger?: Pick<CommandLedger, 'charge'>;
  modules?: ModuleInvoker;
  admin?: CommandAdmin;
  /**
   * Whether this author may get one more answer now: a budget per author across all
   * commands, so no viewer — and no other bot echoing ours — can drive the bot into a loop.
   */
  answerBudget?: (event: ChatEvent, communityId: string) => Promise<boolean>;
  /** Whether a cooldown notice may go to this viewer now (rate-limits the notices themselves). */
  mayNotifyCooldown?: (event: ChatEvent, communityId: string) => Promise<boolean>;
  /** The community's named counters, for `$(counter name)`; without it they render as unavailable. */
  counters?: { readCounters(communityId: string, names: readonly string[]): Promise<Map<string, number>> };
}

const NAME = /^[a-z0-9_]{1,32}$/u;
/** `!commands` lists at most this many names. */
export const LIST_LIMIT = 25;

/**
 * Decides what the bot answers to one chat event. `plan` is pure (roles, prefixes,
 * enablement); `execute` charges cooldowns and counters only for a planned run, after
 * the permission checks, then renders the answer or asks the command's webhook module.
 */
export class CommandEngine {
  constructor(private readonly services: CommandEngineServices = {}) {}

  plan(event: ChatEvent, config: ChannelConfig): Plan {
    if (event.kind !== 'message' || event.author.isBot) return { outcome: 'not-a-command' };
    const invocation = parseInvocation(event.text, config.commandPrefix);
    if (!invocation) return { outcome: 'not-a-command' };

    const command = findCommand(config.commands, invocation.name);
    if (command) {
      if (!isEnabledHere(command, event.platform, config.channelId)) return { outcome: 'disabled', command: command.name };
      if (!meetsRole(event.author.roles, command.minRole)) return { outcome: 'denied', command: command.name };
      return { outcome: 'run', command, invocation };
    }
    if (isBuiltIn(invocation.name)) {
      if (!meetsRole(event.author.roles, BUILT_INS[invocation.name].minRole)) return { outcome: 'denied', command: invocation.name };
      return { outcome: 'run', command: invocation.name, invocation };
    }
    return { outcome: 'unknown-command' };
  }

  async decide(event: ChatEvent, config: ChannelConfig): Promise<Decision> {
    const plan = this.plan(event, config);
    if (plan.outcome !== 'run') return { outcome: plan.outcome, command: 'command' in plan ? plan.command : undefined, actions: [] };
    const commandName = typeof plan.command === 'string' ? plan.command : plan.command.name;
    if (this.services.answerBudget && !(await this.services.answerBudget(event, config.communityId))) {
      return { outcome: 'throttled', command: commandName, actions: [] };
    }
    if (typeof plan.command === 'string') return this.runBuiltIn(plan.command, plan.invocation, event, config);
    return this.runCommand(plan.command, plan.invocation, event, config);
  }

  private async runCommand(command: CommandSpec, invocation: Invocation, event: ChatEvent, config: ChannelConfig): Promise<Decision> {
    let count: number | null = null;
    if (this.services.ledger) {
      const charge: ChargeResult = await this.services.ledger.charge({
        eventId: event.id,
        communityId: config.communityId,
        command: command.name,
        userId: event.author.id,
        globalCooldownMs: command.globalCooldownSeconds * 1_000,
        userCooldownMs: command.userCooldownSeconds * 1_000,
        bypassCooldown: command.moderatorsBypassCooldown && meetsRole(event.author.roles, 'moderator'),
        count: /\$\(count\)/iu.test(command.response),
      });
      if (!charge.charged) {
        const notify = config.cooldownNotice && (await this.services.mayNotifyCooldown?.(event, config.communityId));
        const seconds = Math.ceil(charge.retryAfterMs / 1_000);
        const actions = notify ? [reply(event, `@${event.author.displayName || event.author.name} !${command.name} is on cooldown for ${seconds}s.`)] : [];
        return { outcome: 'cooldown', command: command.name, actions };
      }
      count = charge.count;
    }

    if (command.moduleId) {
      const module = config.modules?.find((candidate) => candidate.id === command.moduleId);
      if (!module || !this.services.modules) return { outcome: 'error', command: command.name, actions: [] };
      const answer = await this.services.modules.invoke(module, {
        event,
        command: command.name,
        args: invocation.args,
        communityId: config.communityId,
      });
      if (answer.kind === 'silent') return { outcome: 'answered', command: command.name, actions: [] };
      const text = sanitizeForPlatform(answer.text, event.platform);
      return { outcome: answer.kind === 'reply' ? 'answered' : 'error', command: command.name, actions: [reply(event, text)] };
    }

    const counterNames = countersIn(command.response);
    const counters = counterNames.length ? await this.services.counters?.readCounters(config.communityId, counterNames).catch(() => undefined) : undefined;
    const text = renderTemplate(command.response, { ...templateContext(event, invocation), count, counters });
    return { outcome: 'answered', command: command.name, actions: [reply(event, text)] };
  }

  private async runBuiltIn(name: BuiltInName, invocation: Invocation, event: ChatEvent, config: ChannelConfig): Promise<Decision> {
    const answer = (text: string): Decision => ({
      outcome: 'answered',
      command: name,
      actions: [reply(event, sanitizeForPlatform(text, event.platform))],
    });
    switch (name) {
      case 'ping':
        return answer('Pong!');
      case 'commands': {
        const runnable = config.commands
          .filter((command) => isEnabledHere(command, event.platform, config.channelId) && meetsRole(event.author.roles, command.minRole))
          .map((command) => `${config.commandPrefix}${command.name}`)
          .sort();
        const shown = runnable.slice(0, LIST_LIMIT).join(' ');
        return answer(runnable.length ? `Commands: ${shown}${runnable.length > LIST_LIMIT ? ' …' : ''}` : 'No commands here yet.');
      }
      default:
        return answer(await this.manage(name, invocation, config));
    }
  }

  private async manage(name: 'addcom' | 'editcom' | 'delcom', invocation: Invocation, config: ChannelConfig): Promise<string> {
    const admin = this.services.admin;
    if (!admin) return 'Commands cannot be changed from chat right now.';
    const [rawTarget = '', ...words] = invocation.args;
    const target = rawTarget.replace(new RegExp(`^${escapeRegExp(config.commandPrefix)}`, 'u'), '').toLowerCase();
    const response = words.join(' ');
    if (!NAME.test(target)) return `Usage: ${config.commandPrefix}${name} <name>${name === 'delcom' ? '' : ' <response>'} (names: a-z, 0-9, _)`;
    if (name !== 'delcom' && !response) return `Usage: ${config.commandPrefix}${name} ${target} <response>`;
    if (isBuiltIn(target)) return `${config.commandPrefix}${target} is built in.`;
    try {
      if (name === 'addcom') {
        return (await admin.add(config.communityId, target, response)) === 'added'
          ? `Added ${config.commandPrefix}${target}.`
          : `${config.commandPrefix}${target} already exists; use ${config.commandPrefix}editcom.`;
      }
      if (name === 'editcom') {
        return (await admin.edit(config.communityId, target, response)) === 'edited'
          ? `Updated ${config.commandPrefix}${target}.`
          : `There is no ${config.commandPrefix}${target}.`;
      }
      return (await admin.remove(config.communityId, target)) === 'removed'
        ? `Removed ${config.commandPrefix}${target}.`
        : `There is no ${config.commandPrefix}${target}.`;
    } catch {
      return 'Commands cannot be changed right now; try again later.';
    }
  }
}

function isBuiltIn(name: string): name is BuiltInName {
  return Object.hasOwn(BUILT_INS, name);
}

function isEnabledHere(command: CommandSpec, platform: Platform, channelId: string): boolean {
  return command.enabled && (!command.platforms || command.platforms.includes(platform)) && (!command.channelIds || command.channelIds.includes(channelId));
}

function findCommand(commands: readonly CommandSpec[], name: string): CommandSpec | undefined {
  return commands.find((command) => command.name === name || command.aliases.includes(name));
}

function templateContext(event: ChatEvent, invocation: Invocation) {
  return { platform: event.platform, user: event.author.displayName || event.author.name, channel: event.channel.name, args: invocation.args };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

function reply(event: ChatEvent, text: string): ChatAction {
  return {
    v: 1,
    id: chatActionId(event.id, 0),
    platform: event.platform,
    channel: event.channel,
    kind: 'reply',
    text,
    causedBy: event.id,
    targetMessageId: event.id.slice(event.platform.length + 1),
    eventReceivedAt: event.receivedAt,
  };
}
