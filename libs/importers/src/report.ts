import type { ImportPlan, PlanItem } from './plan.js';

const ACTION_LABEL: Record<PlanItem['action'], string> = { create: 'create', update: 'update', unchanged: 'same  ', skip: 'skip  ' };

/**
 * The plan as lines for a terminal: one line per item (what happens, to what, why), the
 * inert reasons and notes indented under it, and the totals last. Unchanged items are
 * counted, not listed, unless `verbose`.
 */
export function formatReport(plan: ImportPlan, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const item of plan.items) {
    if (item.action === 'unchanged' && !options.verbose) continue;
    const inert = item.inert.length ? ' (inert: imported disabled)' : '';
    lines.push(`${ACTION_LABEL[item.action]} ${item.kind} ${item.ref}${item.ref !== item.key ? ` → ${item.key}` : ''}${inert}${item.reason ? `: ${item.reason}` : ''}`);
    for (const reason of item.inert) lines.push(`         inert: ${reason}`);
    for (const note of item.notes) lines.push(`         note: ${note}`);
  }
  const { create, update, unchanged, skip, inert } = plan.summary;
  lines.push(`${plan.source}: ${create} to create, ${update} to update, ${unchanged} unchanged, ${skip} skipped, ${inert} inert`);
  return `${lines.join('\n')}\n`;
}
