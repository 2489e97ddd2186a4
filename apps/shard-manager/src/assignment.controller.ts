import { Controller, Get, Inject } from '@nestjs/common';
import { ShardManager } from '@parley/sharding';

/** GET /v1/assignment: who holds which units, per platform, as published. */
@Controller('v1/assignment')
export class AssignmentController {
  constructor(@Inject(ShardManager) private readonly manager: ShardManager) {}

  @Get()
  async get(): Promise<object> {
    const platforms: Record<string, object | null> = {};
    for (const [platform, assignment] of await this.manager.assignments()) {
      platforms[platform] = assignment && {
        epoch: assignment.epoch,
        lastRebalance: new Date(assignment.updatedAt).toISOString(),
        moved: assignment.moved,
        units: [...assignment.members.values()].reduce((sum, units) => sum + units.length, 0),
        pods: Object.fromEntries([...assignment.members].map(([member, units]) => [member, units.length])),
      };
    }
    return { leader: this.manager.leading, instance: this.manager.options.holder, platforms };
  }
}
