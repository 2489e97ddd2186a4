import type { DiscordFake, SlackFake } from '@parley/platform-fakes';
import type { DemoSideChat } from './chat.js';

export const DEMO_DISCORD_GUILD = '1180000000000000001';
const DEMO_DISCORD_CHANNEL = '1180000000000000002';
export const DEMO_SLACK_TEAM = 'TPARLEYDEMO';
const DEMO_SLACK_CHANNEL = 'CPARLEYDEMO';

/** Prints the entries `read` returns beyond those printed already (the fakes keep lists, not events); checked every 100 ms. */
function printNew<T>(read: () => T[], format: (entry: T) => string | undefined, print: (line: string) => void): void {
  let printed = 0;
  setInterval(() => {
    const entries = read();
    for (const entry of entries.slice(printed)) {
      const line = format(entry);
      if (line) print(`${new Date().toTimeString().slice(0, 8)} ${line}`);
    }
    printed = entries.length;
  }, 100).unref();
}

/** The demo's Discord: the fake's guild on one shard, the ingest's settings, and the terminal side (`dc:` lines). */
export function demoDiscord(fake: DiscordFake, apiUrl: string, viewer: string): { env: Record<string, string>; chat: DemoSideChat } {
  fake.addGuild(DEMO_DISCORD_GUILD, { ownerId: '1180000000000000003' });
  const env = { DISCORD_TOKEN: fake.options.token, DISCORD_API_URL: apiUrl, DISCORD_SHARD_COUNT: String(fake.options.shards) };
  const author = { id: '1180000000000000004', username: viewer };
  const chat: DemoSideChat = {
    prefix: 'dc:',
    say: (text) => void fake.memberSay(DEMO_DISCORD_GUILD, DEMO_DISCORD_CHANNEL, author, text),
    attach: (print) =>
      printNew(
        () => fake.rest,
        (call) => (call.method === 'POST' && call.status === 200 && call.path === `/channels/${DEMO_DISCORD_CHANNEL}/messages` ? `[discord] ${fake.botUser.username}: ${String(call.body?.['content'])}` : undefined),
        print,
      ),
  };
  return { env, chat };
}

/** The demo's Slack: the app installed in one workspace, the ingest's settings, and the terminal side (`sl:` lines). */
export function demoSlack(fake: SlackFake, apiUrl: string, viewer: string): { env: Record<string, string>; chat: DemoSideChat } {
  const workspace = fake.install(DEMO_SLACK_TEAM);
  const env = {
    SLACK_API_URL: apiUrl,
    SLACK_SIGNING_SECRET: fake.options.signingSecret,
    SLACK_WORKSPACES: JSON.stringify({ [DEMO_SLACK_TEAM]: { botToken: workspace.botToken, botUserId: workspace.botUserId } }),
  };
  const chat: DemoSideChat = {
    prefix: 'sl:',
    say: (text) => void fake.userSay(DEMO_SLACK_TEAM, DEMO_SLACK_CHANNEL, `U${viewer.toUpperCase()}`, text),
    attach: (print) => printNew(() => fake.posted, (message) => `[slack] ${workspace.botUserId}: ${message.text}`, print),
  };
  return { env, chat };
}
