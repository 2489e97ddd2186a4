/** Where a Slack message is: its workspace, channel, `ts`, and the thread it is in. */
export interface SlackMessageRef {
  teamId: string;
  channel: string;
  ts: string;
  /** The thread's parent `ts`, for a message posted in a thread. */
  threadTs?: string;
}

/**
 * The platform message id of a Slack message: `<team>/<channel>/<ts>`, plus `/<thread_ts>`
 * inside a thread. Slack's `ts` is unique within a channel only, so the team and channel
 * are part of it; the thread rides along because an answer must go to the thread's parent
 * (Slack's `thread_ts`), and the router names the message it answers by this id alone.
 */
export function slackMessageId(ref: SlackMessageRef): string {
  return [ref.teamId, ref.channel, ref.ts, ...(ref.threadTs ? [ref.threadTs] : [])].join('/');
}

/** The reverse of `slackMessageId`; undefined for anything else. */
export function parseSlackMessageId(id: string): SlackMessageRef | undefined {
  const [teamId, channel, ts, threadTs, ...rest] = id.split('/');
  if (!teamId || !channel || !ts || rest.length > 0 || !/^\d+\.\d+$/.test(ts) || (threadTs !== undefined && !/^\d+\.\d+$/.test(threadTs))) return undefined;
  return { teamId, channel, ts, ...(threadTs && { threadTs }) };
}
