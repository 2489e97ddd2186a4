import type { OnModuleInit } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { SlackEventsReceiver } from '@parley/slack';
import type { FastifyInstance } from 'fastify';

/**
 * Serves Slack's Events API on Nest's Fastify instance. The route lives in its own Fastify
 * scope whose only body parser keeps the raw bytes (the signature is over them, never over
 * re-serialised JSON) and refuses bodies over the limit with 413 before reading further.
 */
export class SlackEventsRoute implements OnModuleInit {
  constructor(
    private readonly host: HttpAdapterHost,
    private readonly receiver: SlackEventsReceiver,
    private readonly path: string,
  ) {}

  async onModuleInit(): Promise<void> {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    const { receiver, path } = this;
    const bodyLimit = receiver.options.maxBodyBytes;
    await fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
      scope.post(path, { bodyLimit }, async (request, reply) => {
        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const answer = await receiver.handle({ rawBody, headers: request.headers });
        return reply.status(answer.status).send(answer.body ?? '');
      });
    });
  }
}
