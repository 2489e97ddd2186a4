export interface TemplateContext {
  user: string;
  channel: string;
  args: string[];
}

export const MAX_RESPONSE_LENGTH = 400;

/**
 * Renders `$(name)` variables (Nightbot's syntax, which streamers know). Templates are
 * data: a variable is looked up, never evaluated; an unknown one renders as a visible
 * marker so the community sees its typo instead of silence.
 */
export function renderTemplate(template: string, context: TemplateContext): string {
  const rendered = template.replace(/\$\(([a-z0-9_]{1,32})\)/giu, (_match, rawName: string) => {
    const name = rawName.toLowerCase();
    if (name === 'user') return context.user;
    if (name === 'channel') return context.channel;
    if (name === 'touser') return (context.args[0] ?? context.user).replace(/^@/u, '');
    if (/^[1-9]$/u.test(name)) return context.args[Number(name) - 1] ?? '';
    return `[unknown variable: ${name}]`;
  });
  return rendered.length > MAX_RESPONSE_LENGTH ? `${rendered.slice(0, MAX_RESPONSE_LENGTH - 1)}…` : rendered;
}
