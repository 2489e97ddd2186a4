import { PLATFORMS, ROLES } from '@parley/contracts';
import { html, type SafeHtml } from './html.js';

/** A parsed form: a name sent twice (a hidden default and a ticked box, several boxes) is a list. */
export type Form = Record<string, string | string[] | undefined>;

/** What a command form offers besides the command: the community's channels and webhook modules. */
export interface FormChoices {
  channels: Array<{ id: string; name: string; platform: string }>;
  modules: Array<{ id: string; name: string }>;
}

/** A command as the API shows it: every field the console edits. */
export interface CommandView {
  name: string;
  aliases: string[];
  response: string;
  minRole: string;
  globalCooldownSeconds: number;
  userCooldownSeconds: number;
  moderatorsBypassCooldown: boolean;
  enabled: boolean;
  platforms: string[] | null;
  channelIds: string[] | null;
  moduleId: string | null;
}

/** What a new command starts as (the database's defaults). */
const NEW_COMMAND: Omit<CommandView, 'name' | 'response'> = {
  aliases: [],
  minRole: 'everyone',
  globalCooldownSeconds: 0,
  userCooldownSeconds: 0,
  moderatorsBypassCooldown: true,
  enabled: true,
  platforms: null,
  channelIds: null,
  moduleId: null,
};

export function one(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value.at(-1) : value) ?? '';
}

function all(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((item) => item !== '');
}

/**
 * The API body for a command form. Every list and box in the form has a hidden empty
 * companion, so a field the form did not carry is left as it is, and an unticked box
 * or an empty list is sent as such.
 */
export function commandBody(form: Form): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const present = (name: string) => form[name] !== undefined;
  if (present('response')) body.response = one(form.response);
  if (present('aliases')) body.aliases = one(form.aliases).split(/[\s,]+/).filter(Boolean);
  if (present('minRole')) body.minRole = one(form.minRole);
  for (const name of ['globalCooldownSeconds', 'userCooldownSeconds']) if (present(name)) body[name] = Number(one(form[name]) || '0');
  for (const name of ['moderatorsBypassCooldown', 'enabled']) if (present(name)) body[name] = all(form[name]).includes('true');
  for (const name of ['platforms', 'channelIds']) if (present(name)) body[name] = all(form[name]).length ? all(form[name]) : null;
  if (present('moduleId')) body.moduleId = one(form.moduleId) || null;
  return body;
}

const box = (name: string, value: string, ticked: boolean, label: unknown) =>
  html`<label><input type="checkbox" name="${name}" value="${value}" ${ticked ? html`checked` : ''}> ${label}</label>`;

/** The form that creates (command null) or edits a command, with every field the API has. */
export function commandForm(token: string, action: string, command: CommandView | null, around: FormChoices): SafeHtml {
  const shown = command ?? { ...NEW_COMMAND, name: '', response: '' };
  return html`<form method="post" action="${action}">
    <input type="hidden" name="_csrf" value="${token}">
    ${command ? '' : html`<label>Name, without the prefix <input name="name" required maxlength="64"></label>`}
    <label>Response <input name="response" value="${shown.response}" required maxlength="500"></label>
    <label>Aliases, separated by spaces <input name="aliases" value="${shown.aliases.join(' ')}"></label>
    <label>Who may use it <select name="minRole">${ROLES.map((role) => html`<option value="${role}" ${role === shown.minRole ? html`selected` : ''}>${role}</option>`)}</select></label>
    <label>Cooldown for everyone, seconds <input type="number" name="globalCooldownSeconds" min="0" max="86400" value="${shown.globalCooldownSeconds}"></label>
    <label>Cooldown per viewer, seconds <input type="number" name="userCooldownSeconds" min="0" max="86400" value="${shown.userCooldownSeconds}"></label>
    <input type="hidden" name="moderatorsBypassCooldown" value="">${box('moderatorsBypassCooldown', 'true', shown.moderatorsBypassCooldown, 'Moderators skip cooldowns')}
    <input type="hidden" name="enabled" value="">${box('enabled', 'true', shown.enabled, 'Enabled')}
    <fieldset><legend>Platforms (none ticked: every platform)</legend><input type="hidden" name="platforms" value="">
      ${PLATFORMS.map((platform) => box('platforms', platform, shown.platforms?.includes(platform) ?? false, platform))}</fieldset>
    <fieldset><legend>Channels (none ticked: every channel)</legend><input type="hidden" name="channelIds" value="">
      ${around.channels.map((channel) => box('channelIds', channel.id, shown.channelIds?.includes(channel.id) ?? false, `${channel.name} (${channel.platform})`))}</fieldset>
    <label>Answered by <select name="moduleId"><option value="">the response above</option>${around.modules.map(
      (module) => html`<option value="${module.id}" ${module.id === shown.moduleId ? html`selected` : ''}>webhook module ${module.name}</option>`,
    )}</select></label>
    <button type="submit">${command ? 'Save' : 'Create'}</button>
  </form>`;
}

