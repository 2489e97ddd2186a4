import type { CommandAdmin } from '@parley/commands';
import { encodeConfigChange, type StreamKeys } from '@parley/contracts';
import { UniqueViolationError, type CommandRepository } from '@parley/db';
import type { Redis } from 'ioredis';

/**
 * `!addcom` / `!editcom` / `!delcom` write through the repository and announce the
 * change, so every router replica (this one included) reloads the community at once.
 */
export class RepositoryCommandAdmin implements CommandAdmin {
  constructor(
    private readonly commands: CommandRepository,
    private readonly redis: Redis,
    private readonly keys: StreamKeys,
  ) {}

  async add(communityId: string, name: string, response: string): Promise<'added' | 'exists'> {
    try {
      await this.commands.create({ communityId, name, response });
    } catch (error) {
      if (error instanceof UniqueViolationError) return 'exists';
      throw error;
    }
    await this.announce(communityId);
    return 'added';
  }

  async edit(communityId: string, name: string, response: string): Promise<'edited' | 'missing'> {
    if (!(await this.commands.update(communityId, name, { response }))) return 'missing';
    await this.announce(communityId);
    return 'edited';
  }

  async remove(communityId: string, name: string): Promise<'removed' | 'missing'> {
    if (!(await this.commands.delete(communityId, name))) return 'missing';
    await this.announce(communityId);
    return 'removed';
  }

  private async announce(communityId: string): Promise<void> {
    await this.redis.publish(this.keys.configChanges(), encodeConfigChange(communityId));
  }
}
