import type { YouTubeFake } from '@parley/platform-fakes';
import type { DemoSideChat } from './chat.js';

export const DEMO_YOUTUBE_CHANNEL = 'UCparleydemo';
export const DEMO_YOUTUBE_BOT = 'UCparleybot';
const BOT_TOKEN = 'demo-youtube-bot-token';
const BROADCASTER_TOKEN = 'demo-youtube-broadcaster-token';

/**
 * The demo's YouTube: the fake with a live broadcast on the demo channel, the tokens the
 * ingest uses (the bot's, the broadcaster's), and the terminal side of its chat: lines typed
 * with `yt:` are a viewer's message there, the bot's answers are printed with `[youtube]`.
 */
export function demoYouTube(fake: YouTubeFake, viewer: string): { env: Record<string, string>; chat: DemoSideChat } {
  fake.addToken(BOT_TOKEN, { project: 'demo', channelId: DEMO_YOUTUBE_BOT });
  fake.addToken(BROADCASTER_TOKEN, { project: 'demo', channelId: DEMO_YOUTUBE_CHANNEL });
  const { liveChatId } = fake.startBroadcast(DEMO_YOUTUBE_CHANNEL);
  const env = {
    YOUTUBE_PROJECT: 'demo',
    YOUTUBE_BOT_CHANNEL_ID: DEMO_YOUTUBE_BOT,
    YOUTUBE_BOT_ACCESS_TOKEN: BOT_TOKEN,
    YOUTUBE_CHANNELS: DEMO_YOUTUBE_CHANNEL,
    YOUTUBE_CREDENTIALS: JSON.stringify({ channels: { [DEMO_YOUTUBE_CHANNEL]: { broadcaster: { accessToken: BROADCASTER_TOKEN } } } }),
    YOUTUBE_GRPC_TLS: 'false',
    // The demo's broadcast is live from the start: find it within a second.
    YOUTUBE_LIVE_CHECK_MIN_MS: '1000',
  };
  const chat: DemoSideChat = {
    prefix: 'yt:',
    say: (text) => void fake.viewerSay(liveChatId, { channelId: `UC${viewer}`, displayName: viewer }, text),
    attach: (print) =>
      fake.on('message', (item) => {
        if (item.authorDetails.channelId !== DEMO_YOUTUBE_BOT) return;
        print(`${new Date().toTimeString().slice(0, 8)} [youtube] ${DEMO_YOUTUBE_BOT}: ${String(item.snippet['displayMessage'] ?? '')}`);
      }),
  };
  return { env, chat };
}
