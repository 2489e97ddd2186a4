export { discordRoles, type DiscordMessageAuthor, type DiscordRoleSettings } from './roles.js';
