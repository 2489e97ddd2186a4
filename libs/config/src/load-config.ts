import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import { expectsRegistry } from './fields.js';

/** sysexits.h EX_CONFIG: "configuration error"; orchestrators and operators can tell it from a crash. */
export const EXIT_CONFIG = 78;

type Env = Record<string, string | undefined>;

/**
 * Parses `env` with `schema` once, at boot. On failure throws a `ConfigError` whose message
 * names every bad variable and what it expects, and never a value: values may be secrets
 * (tokens, URLs with passwords) and the line ends up in logs and crash reports.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;

  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    // A rule over the whole object (a refine naming no field) has no variable to blame.
    const variable = issue.path.map(String).join('.');
    // The first problem of a variable is the one to fix; more would only repeat it.
    if (seen.has(variable)) continue;
    seen.add(variable);
    issues.push({ variable, problem: describeProblem(schema, issue, env) });
  }
  throw new ConfigError(issues);
}

/**
 * Writes the one-line error to stderr prefixed with the service name and exits with 78
 * (EX_CONFIG) — a bad environment is not a crash worth a stack trace.
 */
export function configOrExit<S extends z.ZodType>(schema: S, serviceName: string, env: Env = process.env): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${serviceName}: ${error.message}\n`);
    return process.exit(EXIT_CONFIG);
  }
}

function describeProblem(schema: z.ZodType, issue: z.core.$ZodIssue, env: Env): string {
  if (issue.path.length === 0) return issue.message;
  const field = fieldSchema(schema, issue.path);
  const expects = (field && expectsRegistry.get(field)?.expects) ?? field?.description;
  const name = issue.path[0];
  const missing = issue.path.length === 1 && typeof name === 'string' && (env[name] === undefined || env[name] === '');
  if (missing) return expects ? `is required (${expects})` : 'is required';
  // zod's own messages name types and limits, never the input, so they are safe to print
  // when the field carries no "expects" text of its own.
  return `must be ${expects ?? lowerFirst(issue.message)}`;
}

/** The schema of a top-level field of an object schema, if there is one. */
function fieldSchema(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  if (path.length !== 1) return undefined;
  const shape = (schema as { shape?: Record<string, z.ZodType> }).shape;
  const key = path[0];
  return shape && typeof key === 'string' ? shape[key] : undefined;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
