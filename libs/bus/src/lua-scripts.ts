import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** `verbNoun-<number of KEYS>.lua`, or `-N` when the caller passes the key count. */
const SCRIPT_FILE = /^([a-z][A-Za-z0-9]*)-(\d+|N)\.lua$/;

type Runner = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * Lua scripts found by file name beside their caller (BullMQ's `ScriptLoader`): the key
 * count is read from `name-<keys>.lua`, the text is read once per process and each script
 * is defined once per connection (`EVALSHA`, falling back to `EVAL`). A caller names the
 * script and passes its KEYS and ARGV; nobody types a key count by hand.
 */
export class LuaScripts<Name extends string> {
  private static readonly sources = new Map<string, string>();
  private readonly commands = new Map<Name, { command: string; numberOfKeys: number | undefined }>();

  /** `dir`: `new URL('.', import.meta.url)` of the caller; `files`: its scripts' file names. */
  constructor(
    private readonly redis: Redis,
    dir: URL,
    files: readonly `${Name}-${number | 'N'}.lua`[],
  ) {
    for (const file of files) {
      const match = SCRIPT_FILE.exec(file);
      if (!match) throw new RangeError(`not a script file name (verbNoun-<keys>.lua): ${file}`);
      const url = new URL(file, dir).href;
      let lua = LuaScripts.sources.get(url);
      if (lua === undefined) LuaScripts.sources.set(url, (lua = readFileSync(new URL(url), 'utf8')));
      const name = match[1] as Name;
      const numberOfKeys = match[2] === 'N' ? undefined : Number(match[2]);
      // One command name per script text, so two libs can never overwrite each other's.
      const command = `parley_${name}_${match[2]}`;
      if (typeof (redis as unknown as Record<string, unknown>)[command] !== 'function') {
        redis.defineCommand(command, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
      }
      this.commands.set(name, { command, numberOfKeys });
    }
  }

  /** Runs a script; `keys` are its KEYS (their count must match the file name unless it is `-N`). */
  run<T>(name: Name, keys: readonly string[], args: readonly (string | number)[] = []): Promise<T> {
    const script = this.commands.get(name);
    if (!script) throw new RangeError(`unknown script ${name}`);
    const run = (this.redis as unknown as Record<string, Runner>)[script.command]!.bind(this.redis);
    if (script.numberOfKeys === undefined) return run(keys.length, ...keys, ...args) as Promise<T>;
    if (keys.length !== script.numberOfKeys) throw new RangeError(`${name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
    return run(...keys, ...args) as Promise<T>;
  }
}
