import { createHash, createHmac } from 'node:crypto';

export interface GiveawayEntry {
  userId: string;
  name: string;
  /** Tickets: 1, or more for weighted roles. */
  weight: number;
}

/** What is published when the window opens, so the seed cannot be chosen after seeing the entries. */
export function seedCommitment(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

/**
 * The provably fair draw: a pure function of the seed, the entries and the round, so
 * anyone holding the audit log's record (seed, entries) recomputes the same winner.
 * Entries are ordered by user id (not by arrival); the ticket is HMAC-SHA256(seed,
 * "round:<n>") read as a 256-bit number modulo the total weight (bias below 2^-200).
 * Round n excludes the winners of rounds before it (a re-draw).
 */
export function drawWinner(seed: string, entries: readonly GiveawayEntry[], round: number, excluded: ReadonlySet<string> = new Set()): GiveawayEntry | null {
  const pool = entries.filter((entry) => !excluded.has(entry.userId) && entry.weight > 0).sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const total = pool.reduce((sum, entry) => sum + entry.weight, 0);
  if (total === 0) return null;
  const digest = createHmac('sha256', seed).update(`round:${round}`).digest('hex');
  let ticket = Number(BigInt(`0x${digest}`) % BigInt(total));
  for (const entry of pool) {
    if (ticket < entry.weight) return entry;
    ticket -= entry.weight;
  }
  return null;
}
