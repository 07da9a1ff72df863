/** The setup section: the host's interfaces, the machines around it, routes and sysctls. */
import type { RootContent, Table, TableRow } from 'mdast';
import { orderedRules, ruleText } from '../../routing/rules.ts';
import type { DocContext } from '../context.ts';
import { cidrText } from '../facts.ts';
import { bullets, heading, para } from '../mdast.ts';
import { type Phrase, toPhrasing } from '../phrase.ts';

const cell = (p: Phrase) => ({ type: 'tableCell' as const, children: toPhrasing(p) });
const row = (cells: Phrase[]): TableRow => ({ type: 'tableRow', children: cells.map(cell) });

function interfacesTable(ctx: DocContext): Table {
  const { scenario: s, msg } = ctx;
  return {
    type: 'table',
    align: [null, null, null],
    children: [
      row([msg.colInterface(), msg.colKind(), msg.colAddresses()]),
      ...s.host.interfaces.map((i) =>
        row([[{ code: i.name }], msg.kind(i.kind), [i.addresses.map(cidrText).join(', ')]]),
      ),
    ],
  };
}

function machinesTable(ctx: DocContext): Table {
  const { scenario: s, msg } = ctx;
  return {
    type: 'table',
    align: [null, null, null, null],
    children: [
      row([msg.colMachine(), msg.colBehind(), msg.colAddresses(), msg.colListens()]),
      ...s.hosts.map((m) =>
        row([
          [m.name],
          m.port ? [{ code: m.interface }, ' (', { code: m.port }, ')'] : [{ code: m.interface }],
          [m.addresses.join(', ')],
          m.listens.length > 0
            ? [m.listens.map((l) => `${l.protocol}/${l.port}`).join(', ')]
            : msg.none(),
        ]),
      ),
    ],
  };
}

/** Policy routing (host.tables, host.rules): each table's routes, then the rules in order. */
function policyFacts(ctx: DocContext): Phrase[] {
  const { scenario: s, msg } = ctx;
  if (!s.host.rules && !s.host.tables) return [];
  const out: Phrase[] = [];
  for (const t of s.host.tables ?? [])
    for (const r of t.routes)
      out.push(msg.tableRoute(t.name ?? String(t.id), cidrText(r.to), r.via, r.dev));
  const families = [4, 6].filter(
    (f) => f === 4 || s.host.interfaces.some((i) => i.addresses.some((a) => a.family === 6)),
  ) as (4 | 6)[];
  for (const f of families) {
    const rules = s.host.rules ?? [];
    if (f === 6 && !rules.some((r) => r.family === 6)) continue;
    out.push(msg.ipRules(f, orderedRules(f, rules).map(ruleText)));
  }
  return out;
}

/** Routes, sysctls, the host's sockets and the ruleset, one bullet each. */
function hostFacts(ctx: DocContext): Phrase[] {
  const { scenario: s, msg } = ctx;
  const facts: Phrase[] = [];
  for (const r of s.host.routes) {
    facts.push(msg.route(cidrText(r.to), r.via, r.dev));
  }
  facts.push(...policyFacts(ctx));
  facts.push(msg.sysctlForwarding((s.host.sysctl['net.ipv4.ip_forward'] ?? 0) === 1));
  if (s.host.interfaces.some((i) => i.kind === 'bridge')) {
    facts.push(
      msg.sysctlBridgeNf((s.host.sysctl['net.bridge.bridge-nf-call-iptables'] ?? 1) === 1),
    );
  }
  if (s.host.listens.length > 0) {
    facts.push(msg.hostListens(s.host.listens.map((l) => `${l.protocol}/${l.port}`)));
  }
  facts.push(msg.rulesetIntro(s.ruleset.path, ctx.ruleset.format, ctx.ruleset.tables.length));
  return facts;
}

export function setupSection(ctx: DocContext): RootContent[] {
  const { scenario: s, msg } = ctx;
  const out: RootContent[] = [heading(2, msg.setupHeading()), para(msg.setupIntro(s.host.name))];
  out.push(interfacesTable(ctx));
  if (s.hosts.length > 0) {
    out.push(para(msg.machinesIntro()));
    out.push(machinesTable(ctx));
  }
  out.push(bullets(hostFacts(ctx).map((f) => [para(f)])));
  return out;
}
