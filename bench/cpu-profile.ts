import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export type CostRow = Record<'where' | 'self %', string>;
export type InclusiveRow = Record<'where' | 'total % of busy', string>;

/** A span of the monotonic clock (`process.hrtime`, µs), which is also the profile's time base on Linux. */
export interface ProfileWindow {
  startUs: number;
  endUs: number;
}

/** Now on the monotonic clock V8 stamps profile samples with, µs. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1_000n);

/** Who owns a frame: an npm package, a Parley project, Node itself, or V8 (GC, idle, program). */
function owner(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const project = /dist\/((?:apps|libs)\/[^/]+)/.exec(url);
  if (project) return `parley ${project[1]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  return url;
}

const IDLE = new Set(['(idle)', '(program)']);

/** A frame as a category rule sees it: the leaf first, then its callers. */
export interface StackFrame {
  functionName: string;
  url: string;
}

/** A share of busy time: the first category whose `matches` accepts a sample's stack takes it. */
export interface ProfileCategory {
  name: string;
  matches(stack: readonly StackFrame[]): boolean;
}

/**
 * A V8 CPU profile (`node --cpu-prof`) as self time per owner and per function, the
 * largest first: where a process spends its CPU, in a few lines. Given `windows`, only
 * the samples inside them count (the load phases, not start-up). `inclusive` is each
 * function's share of the busy (non-idle) samples whose stack contains it: what a call
 * costs with everything it calls.
 */
export function summarizeProfile(
  file: string,
  top = 12,
  windows: readonly ProfileWindow[] = [],
  categories: readonly ProfileCategory[] = [],
): { owners: CostRow[]; functions: CostRow[]; inclusive: InclusiveRow[]; categories: InclusiveRow[]; busyPercent: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const ownerTime = new Map<string, number>();
  const functionTime = new Map<string, number>();
  const inclusiveTime = new Map<string, number>();
  const categoryTime = new Map<string, number>();
  const nameOf = (node: ProfileNode) => {
    const frame = node.callFrame;
    return `${frame.functionName || '(anonymous)'} ${owner(frame.url, frame.functionName)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
  };
  let total = 0;
  let busy = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (windows.length && !windows.some((window) => at >= window.startUs && at <= window.endUs)) return;
    const node = byId.get(id)!;
    const frame = node.callFrame;
    total += delta;
    const who = owner(frame.url, frame.functionName);
    ownerTime.set(who, (ownerTime.get(who) ?? 0) + delta);
    const fn = nameOf(node);
    functionTime.set(fn, (functionTime.get(fn) ?? 0) + delta);
    if (IDLE.has(frame.functionName)) return;
    busy += delta;
    if (categories.length) {
      const stack: StackFrame[] = [];
      for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) stack.push(byId.get(current)!.callFrame);
      const category = categories.find((candidate) => candidate.matches(stack))?.name ?? 'other';
      categoryTime.set(category, (categoryTime.get(category) ?? 0) + delta);
    }
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const name = nameOf(byId.get(current)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusiveTime.set(name, (inclusiveTime.get(name) ?? 0) + delta);
    }
  });
  const rows = (times: Map<string, number>, of: number) =>
    [...times]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([where, time]) => [where, ((100 * time) / of).toFixed(1)] as const);
  return {
    owners: rows(ownerTime, total).map(([where, share]) => ({ where, 'self %': share })),
    functions: rows(functionTime, total).map(([where, share]) => ({ where, 'self %': share })),
    inclusive: rows(new Map([...inclusiveTime].filter(([name]) => !name.startsWith('(root)'))), busy).map(([where, share]) => ({ where, 'total % of busy': share })),
    categories: rows(categoryTime, busy).map(([where, share]) => ({ where, 'total % of busy': share })),
    busyPercent: total ? (100 * busy) / total : 0,
  };
}
