import { spawn, spawnSync } from 'node:child_process';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { createTestDatabase } from '@parley/db/testing';
import { OtlpJsonReceiver } from '@parley/observability/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, repoRoot } from './support.js';

/** Every process still alive in the process group `pgid`. */
function processesInGroup(pgid: number): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group]) => Number(group) === pgid)
    .map((fields) => fields.join(' '));
}

describe('npm start, run as a user would', () => {
  const prefix = uniquePrefix('e2e-demo');
  const redis = new Redis(redisUrl());
  const collector = new OtlpJsonReceiver();
  let dropDatabase: (() => Promise<void>) | undefined;

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await dropDatabase?.();
    await collector.stop();
  });

  it('answers a typed !ping in the demo chat and in the YouTube, Discord and Slack chats beside it, traces it to the OTLP endpoint it is given, and leaves no process behind after Ctrl-C', async () => {
    const database = await createTestDatabase();
    const otlpEndpoint = await collector.start();
    dropDatabase = database.drop;
    // Its own process group, as a terminal gives a foreground job: Ctrl-C signals the group.
    const demo = spawn('npm', ['start', '--silent'], {
      cwd: repoRoot,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: database.url, PARLEY_KEY_PREFIX: prefix, REDIS_URL: redisUrl(), OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint },
    });
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<string>((resolve) => demo.once('exit', (code, signal) => resolve(signal ?? String(code))));
    const pgid = demo.pid!;

    try {
      await eventually(() => (output.includes('demo chat in') ? true : undefined), 150_000, `the demo chat to open; output so far:\n${output}`);
      demo.stdin.write('!ping\n');
      await eventually(() => (/parleybot: Pong!/.test(output) ? true : undefined), 5_000, `the bot's answer; output:\n${output}`);
      expect(output).toContain(`traces: exported over OTLP/HTTP to ${otlpEndpoint}`);
      // The !ping's trace reached the collector from both apps it went through.
      await eventually(() => {
        const spans = collector.spans();
        const routed = new Set(spans.filter((span) => span.service === 'router').map((span) => span.traceId));
        return spans.some((span) => span.service === 'ingest-twitch' && routed.has(span.traceId)) ? true : undefined;
      }, 15_000, 'spans of one trace from ingest-twitch and the router');
      demo.stdin.write('!hello\n');
      await eventually(() => (/parleybot: Hello viewer, welcome/.test(output) ? true : undefined), 5_000, `the !hello answer; output:\n${output}`);
      // The YouTube demo chat beside it answers the same !ping.
      expect(output).toContain('YouTube demo chat');
      demo.stdin.write('yt: !ping\n');
      await eventually(() => (/\[youtube\] UCparleybot: Pong!/.test(output) ? true : undefined), 15_000, `the YouTube answer; output:\n${output}`);
      // And the Discord and Slack demo channels beside them.
      expect(output).toContain('Discord and Slack demo channels');
      demo.stdin.write('dc: !ping\n');
      await eventually(() => (/\[discord\] parleybot: Pong!/.test(output) ? true : undefined), 15_000, `the Discord answer; output:\n${output}`);
      demo.stdin.write('sl: !ping\n');
      await eventually(() => (/\[slack\] UBOT1: Pong!/.test(output) ? true : undefined), 15_000, `the Slack answer; output:\n${output}`);
    } finally {
      // A demo that already exited has no group left to signal (ESRCH); the failure above,
      // with the demo's output, is the one to report.
      try {
        process.kill(-pgid, 'SIGINT');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    // npm itself dies of the SIGINT, as it does in a terminal; the demo shuts down cleanly.
    expect(['0', 'SIGINT']).toContain(await exited);
    await eventually(() => (processesInGroup(pgid).length === 0 ? true : undefined), 15_000, 'no process left in the group').catch((error: Error) => {
      throw new Error(`${error.message}: ${processesInGroup(pgid).join('; ')}`);
    });
    expect(output).toContain('stopping');
  }, 240_000);
});
