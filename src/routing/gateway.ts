/** Where a machine sends what is not on its link. */

import type { HostInterface, Machine } from '../scenario/model.ts';
import { familyOf } from './address.ts';

/** A machine's default gateway in a family: its `gateway`, else the host interface's first address. */
export function defaultGateway(
  m: Machine,
  iface: HostInterface,
  family: 4 | 6,
): string | undefined {
  if (m.gateway && familyOf(m.gateway) === family) return m.gateway;
  return iface.addresses.find((c) => c.family === family)?.address;
}
