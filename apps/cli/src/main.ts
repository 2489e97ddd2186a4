#!/usr/bin/env node
import { configOrExit } from '@parley/config';
import { ImportError } from '@parley/importers';
import { UsageError, USAGE, runCli } from './cli.js';
import { CliConfigSchema } from './config.js';

/** `parley import …` / `parley export …`: an operator's tool over @parley/importers, straight on PostgreSQL. */
const config = configOrExit(CliConfigSchema, 'parley');
const io = { out: (text: string) => process.stdout.write(text), err: (text: string) => process.stderr.write(text) };
try {
  process.exitCode = await runCli(process.argv.slice(2), config, io);
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.err(`parley: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 64;
  } else if (error instanceof ImportError) {
    io.err(`parley: ${error.code}: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    io.err(`parley: ${(error as Error).message}\n`);
    process.exitCode = 70;
  }
}
