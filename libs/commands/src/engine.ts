import { chatActionId, type ChatAction, type ChatEvent } from '@parley/contracts';
import { parseInvocation } from './invocation.js';
import { meetsRole } from './roles.js';
import { renderTemplate } from './template.js';
import type { ChannelConfig, CommandSpec } from './types.js';

export type Outcome = 'answered' | 'not-a-command' | 'unknown-command' | 'denied' | 'disabled';

export interface Decision {
  outcome: Outcome;
  /** The command that matched, when one did. */
  command?: string;
  actions: ChatAction[];
}

type BuiltIn = (event: ChatEvent) => string;

/** Commands every community has; a community command of the same name wins. */
const BUILT_INS: Record<string, BuiltIn> = {
  ping: () => 'Pong!',
};

/**
 * Decides what the bot answers to one chat event. Pure: no I/O, so it can be tested
 * without servers and run at full speed; state such as cooldowns is charged by the
 * caller after a decision says the command may run.
 */
export class CommandEngine {
  decide(event: ChatEvent, config: ChannelConfig): Decision {
    if (event.kind !== 'message' || event.author.isBot) return { outcome: 'not-a-command', actions: [] };
    const invocation = parseInvocation(event.text, config.commandPrefix);
    if (!invocation) return { outcome: 'not-a-command', actions: [] };

    const command = findCommand(config.commands, invocation.name);
    if (command) {
      if (!command.enabled || (command.platforms && !command.platforms.includes(event.platform))) {
        return { outcome: 'disabled', command: command.name, actions: [] };
      }
      if (!meetsRole(event.author.roles, command.minRole)) return { outcome: 'denied', command: command.name, actions: [] };
      const text = renderTemplate(command.response, {
        user: event.author.displayName || event.author.name,
        channel: event.channel.name,
        args: invocation.args,
      });
      return { outcome: 'answered', command: command.name, actions: [reply(event, text)] };
    }

    const builtIn = BUILT_INS[invocation.name];
    if (builtIn) return { outcome: 'answered', command: invocation.name, actions: [reply(event, builtIn(event))] };
    return { outcome: 'unknown-command', actions: [] };
  }
}

function findCommand(commands: readonly CommandSpec[], name: string): CommandSpec | undefined {
  return commands.find((command) => command.name === name || command.aliases.includes(name));
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
