export { slackRoles, type SlackUserFlags } from './roles.js';
