import { createInterface } from 'node:readline';
import type { TwitchTmiFake } from '@parley/platform-fakes';

export interface DemoChatOptions {
  channel: string;
  viewer: string;
  bot: string;
  /** Other demo chats: a line starting with `prefix` goes there (e.g. `yt: !ping`), the rest to Twitch. */
  chats?: DemoSideChat[];
}

/** A demo chat beside the Twitch one: it takes the lines typed with its prefix and prints the bot's answers with `print`. */
export interface DemoSideChat {
  prefix: string;
  say(text: string): void;
  attach(print: (line: string) => void): void;
}

/**
 * The terminal as a Twitch chat: each typed line is a viewer's message in the fake
 * channel; every line the bot sends there is printed. Resolves when the input closes.
 */
export function runDemoChat(fake: TwitchTmiFake, options: DemoChatOptions): { closed: Promise<void>; close(): void } {
  const terminal = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const print = (line: string) => {
    if (process.stdin.isTTY) process.stdout.write('\r\x1b[K');
    process.stdout.write(`${line}\n`);
    if (process.stdin.isTTY) terminal.prompt(true);
  };
  fake.on('clientMessage', (message) => {
    if (message.channel !== options.channel || message.login !== options.bot) return;
    // Strip the invisible anti-duplicate suffix Twitch bots use; it means nothing to a reader.
    const text = message.text.replace(/ \u{E0000}$/u, '');
    print(`${time()} ${options.bot}: ${text}${message.delivered ? '' : `  (refused by Twitch: ${message.refusedBy})`}`);
  });
  for (const chat of options.chats ?? []) chat.attach(print);
  terminal.setPrompt(`${options.viewer}> `);
  terminal.on('line', (line) => {
    const text = line.trim();
    const side = options.chats?.find((chat) => text.startsWith(chat.prefix));
    if (side) {
      const rest = text.slice(side.prefix.length).trim();
      if (rest) side.say(rest);
    } else if (text) fake.viewerSay(options.channel, { login: options.viewer, displayName: options.viewer, text });
    if (process.stdin.isTTY) terminal.prompt();
  });
  // Ctrl-C at the prompt: readline swallows it in raw mode, so pass it on as the signal.
  terminal.on('SIGINT', () => process.emit('SIGINT'));
  const closed = new Promise<void>((resolve) => terminal.once('close', () => resolve()));
  if (process.stdin.isTTY) terminal.prompt();
  return { closed, close: () => terminal.close() };
}

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}
