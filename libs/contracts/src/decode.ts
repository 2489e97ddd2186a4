import { z } from 'zod';
import { ChatActionV1, type ChatAction } from './chat-action.js';
import { ChatEventV1, type ChatEvent } from './chat-event.js';

/**
 * Thrown when a payload is not a contract this build understands. Consumers dead-letter
 * the entry with `reason`; retrying cannot help.
 */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

function decodeVersioned<T>(what: string, known: Record<number, z.ZodType<T>>, payload: unknown): T {
  // A plain check rather than a schema: it runs for every event on the bus, and the
  // version's own schema below validates `v` again.
  const version = typeof payload === 'object' && payload !== null ? (payload as { v?: unknown }).v : undefined;
  if (typeof version !== 'number' || !Number.isInteger(version)) throw new ContractError(`${what}: missing numeric version field "v"`);
  const schema = known[version];
  if (!schema) {
    throw new ContractError(`${what}: unsupported version ${version} (known: ${Object.keys(known).join(', ')})`);
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new ContractError(`${what} v${version}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  return parsed.data;
}

export function decodeChatEvent(payload: unknown): ChatEvent {
  return decodeVersioned<ChatEvent>('ChatEvent', { 1: ChatEventV1 }, payload);
}

export function decodeChatAction(payload: unknown): ChatAction {
  return decodeVersioned<ChatAction>('ChatAction', { 1: ChatActionV1 }, payload);
}
