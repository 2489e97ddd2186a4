import { RRuleTemporal } from 'rrule-temporal';

/** A schedule the hub refuses: not RFC 5545, no DTSTART, or occurrences closer than a minute. */
export class InvalidRecurrenceError extends Error {
  constructor(readonly reason: string) {
    super(`not a valid recurrence: ${reason}`);
    this.name = 'InvalidRecurrenceError';
  }
}

/** The least time between two occurrences: a reminder is a chat message, not a flood. */
export const MIN_OCCURRENCE_GAP_MS = 60_000;
/** Occurrences looked at when checking the gap (a rule's pattern repeats well within these). */
const GAP_SAMPLE = 50;

/**
 * A community reminder's schedule: RFC 5545 `DTSTART` (with `TZID` for a wall-clock time in
 * a zone, daylight saving included) and `RRULE` lines, e.g.
 * `DTSTART;TZID=Europe/Berlin:20261201T180000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH`. Parsed by
 * `rrule-temporal` (Temporal time zones; rrule.js reads TZID through the host's zone).
 */
export class Recurrence {
  private constructor(private readonly rule: RRuleTemporal) {}

  /** Throws InvalidRecurrenceError. */
  static parse(text: string): Recurrence {
    let rule: RRuleTemporal;
    try {
      rule = new RRuleTemporal({ rruleString: text.trim() });
    } catch (error) {
      throw new InvalidRecurrenceError(error instanceof Error ? error.message : String(error));
    }
    const sample = rule.all((_, index) => index < GAP_SAMPLE).map((occurrence) => occurrence.epochMilliseconds);
    if (!sample.length) throw new InvalidRecurrenceError('it has no occurrence');
    for (let i = 1; i < sample.length; i++) {
      if (sample[i]! - sample[i - 1]! < MIN_OCCURRENCE_GAP_MS) throw new InvalidRecurrenceError('two occurrences are less than a minute apart');
    }
    return new Recurrence(rule);
  }

  /** The first occurrence strictly after `afterMs` (ms since the epoch), or null when the rule has ended. */
  nextAfter(afterMs: number): number | null {
    return this.rule.next(new Date(afterMs), false)?.epochMilliseconds ?? null;
  }
}
