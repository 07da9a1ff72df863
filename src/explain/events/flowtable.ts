import { natDelta } from '../facts.ts';
import { flowOfEndpoints } from '../info.ts';
import type { EventHandler } from './types.ts';

/** What a flowtable did: took the connection, refused it, forwarded the packet itself. */
export const flowtable: EventHandler<'flowtable'> = (e, { msg }) => {
  const d = e.detail;
  switch (d.step) {
    case 'offload':
      return [msg.flowOffloaded(d.flowtable, d.devices)];
    case 'refused':
      return [msg.flowNotOffloaded(d.flowtable, d.reason ?? 'no-conntrack')];
    case 'fast-path': {
      const before = flowOfEndpoints(d.before);
      const after = flowOfEndpoints(d.after);
      const same = JSON.stringify(before) === JSON.stringify(after);
      return [
        msg.flowFastPath(d.flowtable, d.dev, d.out, same ? undefined : natDelta(before, after)),
      ];
    }
    case 'teardown':
      return [msg.flowTeardown(d.flowtable)];
  }
  return [];
};
