export {
  DefaultTwitchTmiFakeOptions,
  type FakeConnection,
  TwitchTmiFake,
  type SentMessageRecord,
  type TwitchTmiFakeEvents,
  type TwitchTmiFakeOptions,
  type ViewerMessage,
} from './twitch/twitch-tmi-fake.js';
export { DefaultTwitchAuthFakeOptions, TwitchAuthFake, type TwitchAuthFakeOptions } from './twitch/twitch-auth-fake.js';
