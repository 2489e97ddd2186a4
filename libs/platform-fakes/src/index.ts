export {
  DefaultTwitchTmiFakeOptions,
  type FakeConnection,
  TwitchTmiFake,
  type SentMessageRecord,
  type TwitchTmiFakeEvents,
  type TwitchTmiFakeOptions,
  type ViewerMessage,
} from './twitch/twitch-tmi-fake.js';
export {
  DefaultTwitchHelixFakeOptions,
  TwitchHelixFake,
  type HelixAnswer,
  type HelixCallRecord,
  type HelixChatMessageRecord,
  type HelixRequest,
  type HelixRouteHandler,
  type TwitchHelixFakeOptions,
} from './twitch/twitch-helix-fake.js';
export {
  DefaultTwitchEventSubFakeOptions,
  TwitchEventSubFake,
  type ChatSubscriptionType,
  type EventSubChatMessage,
  type TwitchEventSubFakeEvents,
  type TwitchEventSubFakeOptions,
} from './twitch/twitch-eventsub-fake.js';
export { DefaultTwitchAuthFakeOptions, TwitchAuthFake, type TwitchAuthFakeOptions } from './twitch/twitch-auth-fake.js';
export {
  DefaultYouTubeFakeOptions,
  YouTubeFake,
  type LiveChatMessageResource,
  type YouTubeAuthor,
  type YouTubeCallRecord,
  type YouTubeFakeOptions,
  type YouTubeQuotaCosts,
  type YouTubeRefreshGrant,
} from './youtube/youtube-fake.js';
export { DefaultSlackFakeOptions, SlackFake, type SlackDeliveryRecord, type SlackFakeOptions, type SlackFakeUserFlags, type SlackPostedMessage } from './slack/slack-fake.js';
export { DefaultDiscordFakeOptions, DiscordFake, type DiscordAuthor, type DiscordFakeOptions, type DiscordRestRecord } from './discord/discord-fake.js';
export { HttpApiFake, type FakeRequestRecord } from './bots/http-fake.js';
export { DefaultNightbotApiFakeOptions, NightbotApiFake, type NightbotApiFakeOptions } from './bots/nightbot-api-fake.js';
export { DefaultStreamElementsApiFakeOptions, StreamElementsApiFake, type StreamElementsApiFakeOptions } from './bots/streamelements-api-fake.js';
export { DefaultTwitchHelixProfilesFakeOptions, TwitchHelixProfilesFake, type HelixFakeUser, type TwitchHelixProfilesFakeOptions } from './twitch/twitch-helix-profiles-fake.js';
