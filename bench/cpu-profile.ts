import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export type CostRow = Record<'where' | 'self %', string>;

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

/**
 * A V8 CPU profile (`node --cpu-prof`) as self time per owner and per function, the
 * largest first: where a process spends its CPU, in a few lines.
 */
export function summarizeProfile(file: string, top = 12): { owners: CostRow[]; functions: CostRow[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const ownerTime = new Map<string, number>();
  const functionTime = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const frame = byId.get(id)!.callFrame;
    total += delta;
    const who = owner(frame.url, frame.functionName);
    ownerTime.set(who, (ownerTime.get(who) ?? 0) + delta);
    const fn = `${frame.functionName || '(anonymous)'} ${who}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functionTime.set(fn, (functionTime.get(fn) ?? 0) + delta);
  });
  const rows = (times: Map<string, number>) =>
    [...times]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([where, time]) => ({ where, 'self %': ((100 * time) / total).toFixed(1) }));
  return { owners: rows(ownerTime), functions: rows(functionTime) };
}
