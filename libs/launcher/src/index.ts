export { freePort, launchApp, stopApps, stopProcess, waitUntilReady, type AppProcess, type LaunchOptions } from './app-process.js';
