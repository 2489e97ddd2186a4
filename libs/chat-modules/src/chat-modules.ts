import { meetsRole, parseInvocation, sanitizeForPlatform, type ChannelConfig, type ChatModuleHook } from '@parley/commands';
import { chatActionId, type ChatAction, type ChatEvent } from '@parley/contracts';
import type { SpamFilters } from './filters/spam-filters.js';
import type { ChatLines } from './timers/chat-lines.js';

type Verdict = Awaited<ReturnType<ChatModuleHook['inspect']>>;

export interface ChatModulesDeps {
  lines: ChatLines;
  filters: SpamFilters;
}

/**
 * The router's hook for the built-in modules, run on every event of an owned channel
 * before the command engine: counts the line for timers, runs the spam filters (an
 * enforced hit replaces the engine's answer with the ladder's actions; a dry-run hit lets
 * the line through), then answers the modules' own commands (`!permit`). A community's
 * own command of the same name wins over a module's.
 */
export class ChatModules implements ChatModuleHook {
  constructor(private readonly deps: ChatModulesDeps) {}

  async inspect(event: ChatEvent, config: ChannelConfig): Promise<Verdict> {
    if (event.kind !== 'message' || event.author.isBot) return null;
    const counted = this.deps.lines.count(event);
    try {
      const hit = await this.deps.filters.check(event, config);
      if (hit && hit.dryRun === false) return { outcome: 'filtered', command: hit.filter, actions: hit.actions };
      return await this.command(event, config);
    } finally {
      await counted;
    }
  }

  private async command(event: ChatEvent, config: ChannelConfig): Promise<Verdict> {
    const invocation = parseInvocation(event.text, config.commandPrefix);
    if (!invocation || config.commands.some((command) => command.name === invocation.name || command.aliases.includes(invocation.name))) return null;
    if (invocation.name === 'permit') {
      const settings = this.deps.filters.settingsOf(config);
      if (!settings || !meetsRole(event.author.roles, 'moderator')) return null;
      const [target] = invocation.args;
      if (!target) return answer(event, 'permit', `Usage: ${config.commandPrefix}permit <user>`);
      await this.deps.filters.permit(config.communityId, event.platform, target, settings.permitSeconds);
      return answer(event, 'permit', `${target.replace(/^@/u, '')} may post links for ${settings.permitSeconds} s.`);
    }
    return null;
  }
}

function answer(event: ChatEvent, command: string, text: string): Verdict {
  const reply: ChatAction = {
    v: 1,
    id: chatActionId(event.id, 0),
    platform: event.platform,
    channel: event.channel,
    kind: 'reply',
    text: sanitizeForPlatform(text, event.platform),
    causedBy: event.id,
    targetMessageId: event.id.slice(event.platform.length + 1),
    eventReceivedAt: event.receivedAt,
  };
  return { outcome: 'answered', command, actions: [reply] };
}
