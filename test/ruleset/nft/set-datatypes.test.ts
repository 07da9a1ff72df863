/**
 * The datatypes of set and map declarations, nfwalk check against `nft -c -f` on this machine:
 * every name of nft's datatype.c (and a few it does not know) as a set's key, as a part of a
 * concatenated key and as a map's data. nfwalk must accept exactly what nft accepts and, where
 * both refuse, put its first error where nft puts its own. nft is the expectation: the table is
 * skipped (with the reason) without root or nft.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.ts';
import { capture } from '../../support/io.ts';
import { nftCheck } from '../../support/nft-check.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-set-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nftSkip = (() => {
  if (process.getuid?.() !== 0) return 'not root (nft -c needs CAP_NET_ADMIN)';
  const r = spawnSync('nft', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'nft is not installed';
})();
if (nftSkip) console.warn(`set-datatypes.test.ts: every case skipped: ${nftSkip}`);

/** Names from nftables' datatype.c, and some that are no datatype (or only a keyword). */
const NAMES = [
  'invalid verdict nf_proto bitmask integer string ll_addr ipv4_addr ipv6_addr ether_addr',
  'ether_type arp_op inet_proto inet_service icmp_type tcp_flag dccp_pkttype mh_type time mark',
  'iface_index iface_type realm classid uid gid ct_state ct_dir ct_status icmpv6_type ct_label',
  'pkt_type icmp_code icmpv6_code icmpx_code devgroup dscp ecn fib_addrtype boolean ct_event',
  'ifname igmp_type day hour cgroupsv2 nosuch ipv4 ipsec_tunnel counter',
]
  .join(' ')
  .split(' ');

const FORMS: [string, (t: string) => string][] = [
  ['key', (t) => `set s {\n\t\ttype ${t}\n\t}`],
  ['concatenated key', (t) => `set s {\n\t\ttype ipv4_addr . ${t}\n\t}`],
  ['map data', (t) => `map m {\n\t\ttype ipv4_addr : ${t}\n\t}`],
];

async function nfwalkCheck(text: string, name: string): Promise<{ status: number; at?: string }> {
  const file = join(dir, `nfwalk-${name}`);
  writeFileSync(file, text);
  const io = capture();
  const status = await run(['check', file], io);
  const at = new RegExp(`^${file}:(\\d+):(\\d+): error`, 'm').exec(io.stderr);
  return { status, ...(at ? { at: `${at[1]}:${at[2]}` } : {}) };
}

describe.skipIf(nftSkip !== undefined)('set and map datatypes, as nft -c reads them', () => {
  for (const [form, decl] of FORMS) {
    it(`every name as a ${form}`, async () => {
      const differ: string[] = [];
      for (const name of NAMES) {
        const text = `table ip t {\n\t${decl(name)}\n}\n`;
        const id = `${form.replace(/ /g, '-')}-${name}`;
        const nft = nftCheck(dir, text, id);
        const ours = await nfwalkCheck(text, id);
        const same =
          (nft.status === 0) === (ours.status === 0) && (nft.status === 0 || nft.at === ours.at);
        if (!same)
          differ.push(
            `${name}: nft ${nft.status} at ${nft.at}, nfwalk ${ours.status} at ${ours.at}`,
          );
      }
      expect(differ).toEqual([]);
    });
  }
});
