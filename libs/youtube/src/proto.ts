import { fileURLToPath } from 'node:url';
import type { Options } from '@grpc/proto-loader';

/** Path of the `liveChatMessages.streamList` service definition (copied beside the build output). */
export const STREAM_LIST_PROTO = fileURLToPath(new URL('./proto/stream_list.proto', import.meta.url));

/**
 * How the definition is loaded, by the client and the fake alike: camelCase fields (the
 * REST JSON's names), enums and 64-bit integers as strings (as the REST JSON has them), so
 * one normalizer reads both transports.
 */
export const STREAM_LIST_PROTO_OPTIONS: Options = { keepCase: false, longs: String, enums: String, defaults: false, oneofs: false };
