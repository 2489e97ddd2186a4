export { youtubeRoles, type YouTubeAuthorDetails } from './roles.js';
