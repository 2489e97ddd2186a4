import pg from 'pg';

export const DEMO_CHANNEL = 'parleydemo';
export const DEMO_BOT = 'parleybot';

const COMMANDS: Array<[name: string, response: string, aliases: string[]]> = [
  ['hello', 'Hello $(user), welcome to the stream!', ['hi']],
  ['so', 'Go follow $(touser) at https://twitch.tv/$(touser)', ['shoutout']],
  ['lurk', '$(user) is lurking. Enjoy!', []],
  ['discord', 'Join the community Discord: https://discord.gg/parley-demo', []],
];

/** The demo community: one Twitch channel and a few commands streamers know. Safe to run again. */
export async function seedDemo(databaseUrl: string, channelId: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const community = await client.query<{ id: string }>(
      `INSERT INTO communities (slug, name) VALUES ('demo', 'Parley demo')
       ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    );
    const communityId = community.rows[0]!.id;
    await client.query(
      `INSERT INTO channels (community_id, platform, platform_channel_id, name, bot_login)
       VALUES ($1, 'twitch', $2, $3, $4)
       ON CONFLICT (platform, platform_channel_id) DO UPDATE SET community_id = EXCLUDED.community_id, enabled = true`,
      [communityId, channelId, DEMO_CHANNEL, DEMO_BOT],
    );
    for (const [name, response, aliases] of COMMANDS) {
      await client.query(
        `INSERT INTO commands (community_id, name, response, aliases) VALUES ($1, $2, $3, $4)
         ON CONFLICT (community_id, name) DO NOTHING`,
        [communityId, name, response, aliases],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}

/** One more chat of the demo community beside the Twitch one (YouTube by channel id, a Discord guild, a Slack workspace). Safe to run again. */
export async function seedDemoChannel(databaseUrl: string, platform: 'youtube' | 'discord' | 'slack', platformChannelId: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO channels (community_id, platform, platform_channel_id, name)
       SELECT id, $1, $2, $3 FROM communities WHERE slug = 'demo'
       ON CONFLICT (platform, platform_channel_id) DO UPDATE SET community_id = EXCLUDED.community_id, enabled = true`,
      [platform, platformChannelId, name],
    );
  } finally {
    await client.end();
  }
}
