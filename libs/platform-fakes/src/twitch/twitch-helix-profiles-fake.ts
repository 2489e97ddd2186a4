import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Twitch user as the fake knows them: `GET /helix/users` and `GET /helix/channels` answer from it. */
export interface HelixFakeUser {
  id: string;
  login: string;
  displayName: string;
  /** The channel's last category (`game_name`); empty string when none was ever set. */
  gameName: string;
}

export interface TwitchHelixProfilesFakeOptions {
  clientId: string;
  /** The app access token the fake accepts (`Authorization: Bearer …`). */
  accessToken: string;
  host: string;
}

export const DefaultTwitchHelixProfilesFakeOptions: TwitchHelixProfilesFakeOptions = {
  clientId: 'fake-client-id',
  accessToken: 'fake-app-token',
  host: '127.0.0.1',
};

/**
 * Two of Twitch Helix's read routes, as a real client calls them: `GET /helix/users?login=`
 * (up to 100 `login`s) and `GET /helix/channels?broadcaster_id=` (up to 100), with the
 * `Client-Id` and `Authorization: Bearer` headers Helix requires, answers shaped like
 * Helix's (`{ data: [...] }`, unknown logins simply absent) and errors as
 * `{ error, status, message }`. `failNext(n)` answers the next n requests 503;
 * `requests` counts what was asked (a cache in front of it should keep it low). Its own
 * file: other Helix routes (moderation, chat) live beside it in their own.
 */
export class TwitchHelixProfilesFake {
  readonly options: TwitchHelixProfilesFakeOptions;
  private server: Server | undefined;
  private readonly users = new Map<string, HelixFakeUser>();
  private failuresToServe = 0;
  requests = 0;

  constructor(options: Partial<TwitchHelixProfilesFakeOptions> = {}) {
    this.options = { ...DefaultTwitchHelixProfilesFakeOptions, ...options };
  }

  addUser(user: HelixFakeUser): void {
    this.users.set(user.login.toLowerCase(), user);
  }

  /** The next `count` requests answer 503 (Helix having a bad minute). */
  failNext(count: number): void {
    this.failuresToServe = count;
  }

  /** Starts listening; resolves to the base URL (`http://host:port/helix`). */
  async start(): Promise<string> {
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.listen(0, this.options.host);
    await once(this.server, 'listening');
    return `http://${this.options.host}:${(this.server.address() as AddressInfo).port}/helix`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    this.requests++;
    const url = new URL(request.url ?? '/', 'http://fake');
    const fail = (status: number, error: string, message: string) =>
      void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error, status, message }));
    if (this.failuresToServe > 0) {
      this.failuresToServe--;
      return fail(503, 'Service Unavailable', 'fake outage');
    }
    if (request.method !== 'GET') return fail(405, 'Method Not Allowed', '');
    if (request.headers['client-id'] !== this.options.clientId) return fail(401, 'Unauthorized', 'Client ID and OAuth token do not match');
    if (request.headers.authorization !== `Bearer ${this.options.accessToken}`) return fail(401, 'Unauthorized', 'Invalid OAuth token');
    const known = [...this.users.values()];
    let data: object[];
    if (url.pathname === '/helix/users') {
      const logins = url.searchParams.getAll('login').map((login) => login.toLowerCase());
      if (!logins.length || logins.length > 100) return fail(400, 'Bad Request', 'give 1 to 100 login parameters');
      data = known
        .filter((user) => logins.includes(user.login.toLowerCase()))
        .map((user) => ({ id: user.id, login: user.login, display_name: user.displayName, type: '', broadcaster_type: '', description: '', created_at: '2020-01-01T00:00:00Z' }));
    } else if (url.pathname === '/helix/channels') {
      const ids = url.searchParams.getAll('broadcaster_id');
      if (!ids.length || ids.length > 100) return fail(400, 'Bad Request', 'give 1 to 100 broadcaster_id parameters');
      data = known
        .filter((user) => ids.includes(user.id))
        .map((user) => ({ broadcaster_id: user.id, broadcaster_login: user.login, broadcaster_name: user.displayName, broadcaster_language: 'en', game_id: user.gameName ? '1' : '', game_name: user.gameName, title: '', delay: 0, tags: [] }));
    } else {
      return fail(404, 'Not Found', '');
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
  }
}
