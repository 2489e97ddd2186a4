export {
  DefaultStreamConsumerOptions,
  StreamConsumer,
  readGroups,
  type BusEntry,
  type BusHandler,
  type ConsumerLiveness,
  type OptionalStreamConsumerOptions,
  type RequiredStreamConsumerOptions,
  type StreamConsumerEvents,
  type StreamConsumerOptions,
  type StreamStats,
} from './consumer.js';
export { PermanentError, ShutdownTimeoutError } from './errors.js';
export { DeadLetterField, EntryField } from './fields.js';
export { DefaultStreamProducerOptions, StreamProducer, type OutgoingMessage, type StreamProducerOptions } from './producer.js';
export { LuaScripts } from './lua-scripts.js';
