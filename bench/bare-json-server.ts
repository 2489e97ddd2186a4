/**
 * The baseline of `bench:hub`: a bare Fastify process (no Nest, no hooks, no auth, no
 * I/O) answering GET /bare/<n> with the n-th JSON body it was sent over IPC, serialised on
 * every request like the hub's. The hub's throughput is printed as a ratio of this one,
 * measured in the same run on the same machine.
 */
import { FastifyAdapter } from '@nestjs/platform-fastify';

const bodies: unknown[] = await new Promise((resolve) => process.once('message', (message) => resolve(message as unknown[])));
// The Fastify instance the hub's own adapter would create (same version), used bare: no Nest app around it.
const app = new FastifyAdapter({ logger: false }).getInstance();
app.get<{ Params: { index: string } }>('/bare/:index', async (request) => bodies[Number(request.params.index)] ?? {});
await app.listen({ port: 0, host: '127.0.0.1' });
process.send!((app.server.address() as { port: number }).port);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
