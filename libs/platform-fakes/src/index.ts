export {
  DefaultTwitchTmiFakeOptions,
  TwitchTmiFake,
  type SentMessageRecord,
  type TwitchTmiFakeEvents,
  type TwitchTmiFakeOptions,
  type ViewerMessage,
} from './twitch/twitch-tmi-fake.js';
