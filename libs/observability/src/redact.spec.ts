import { describe, expect, it } from 'vitest';
import { redactUrlCredentials } from './redact.js';

describe('redactUrlCredentials', () => {
  it.each([
    ['redis://:hunter2@cache:6379/0', 'redis://***@cache:6379/0'],
    ['rediss://default:hunter2@cache:6380', 'rediss://default:***@cache:6380'],
    ['postgres://app:p%40ss@db:5432/parley?sslmode=require', 'postgres://app:***@db:5432/parley?sslmode=require'],
    ['postgres://app:p@ss@db/parley', 'postgres://app:***@db/parley'],
    ['postgres://postgres@127.0.0.1:5432/postgres', 'postgres://postgres@127.0.0.1:5432/postgres'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['failed to reach redis://:pw@a:1 and postgres://u:pw@b/c', 'failed to reach redis://***@a:1 and postgres://u:***@b/c'],
    ['no url here', 'no url here'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrlCredentials(input)).toBe(expected);
  });
});
