/**
 * The page's Mermaid diagrams: a flowchart per packet (hooks, chains, verdicts, NAT edges), a
 * sequence diagram per conversation, and a map of all netfilter hooks with the crossed ones
 * highlighted. They must render in GitHub/Qiita/Zenn's Mermaid and in the official `mermaid`
 * the site draws them with at build time; labels are quoted, and the characters a Mermaid
 * parser may treat as syntax are replaced by look-alikes (see mermaidText).
 */
import type { HookName } from '../ruleset/model.ts';
import type { Scenario } from '../scenario/model.ts';
import { type FlowView, flowText, natDelta, ownerOf } from './facts.ts';
import type { Messages } from './i18n/messages.ts';
import { flowOfEndpoints, natChange } from './info.ts';
import { plain } from './phrase.ts';
import { senderOf } from './sender.ts';
import { splitVerdict } from './stages.ts';
import { flowOf, type PacketWalk, type StageWalk, sameFlow, stageWalks } from './walk.ts';

const LOOKALIKE: Record<string, string> = {
  '"': '″',
  '#': '＃',
  ';': '；',
  '[': '［',
  ']': '］',
  '{': '｛',
  '}': '｝',
  '(': '（',
  ')': '）',
  '<': '‹',
  '>': '›',
  '|': '｜',
  '`': 'ˋ',
  '*': '∗',
  '~': '∼',
  '&': '＆',
  '\\': '＼',
  '%': '％',
};

/** Text safe inside a quoted Mermaid label or a sequence message, in both renderers. */
export function mermaidText(s: string): string {
  let out = '';
  for (const ch of s.replace(/[\r\n\t]+/g, ' ')) out += LOOKALIKE[ch] ?? ch;
  // `-->`, `->>`, `--` and `==` are edge syntax when a label is read without its quotes.
  return out
    .replace(/-(?=[->])/g, '‐')
    .replace(/=(?==)/g, '＝')
    .trim();
}

const q = (s: string) => `"${mermaidText(s)}"`;

function chainLabel(sw: StageWalk, stepN: number): string {
  const step = sw.replay.steps.find((s) => s.n === stepN)!;
  const e = step.event;
  const reached = sw.replay.steps
    .filter(
      (s) =>
        s.n > stepN &&
        s.base.chain === e.chain &&
        s.base.table === e.table &&
        s.event.type === 'rule',
    )
    .flatMap((s) => {
      const [v, t] = s.event.type === 'rule' ? splitVerdict(s.event.verdict) : ['', ''];
      return v === 'jump' || v === 'goto' ? [t] : [];
    });
  const shown = reached.length > 3 ? [...reached.slice(0, 2), `… ${reached.at(-1)}`] : reached;
  const path = shown.length > 0 ? ` → ${shown.join(' → ')}` : '';
  return `${e.family} ${e.table} ${e.chain}${path}`;
}

/** The verdict that ended one base chain, and the NAT it set up. */
function chainOutcome(sw: StageWalk, enterN: number): { verdict: string; nat?: string } {
  const next =
    sw.replay.steps.find((s) => s.n > enterN && s.event.type === 'enter')?.n ??
    Number.POSITIVE_INFINITY;
  const steps = sw.replay.steps.filter((s) => s.n > enterN && s.n < next);
  const last = steps.at(-1)?.event;
  let verdict = '';
  if (last?.type === 'policy') verdict = `policy ${last.verdict}`;
  else if (last?.type === 'rule') verdict = splitVerdict(last.verdict)[0];
  const nat = sw.nat.find((n) => n.step !== undefined && n.step > enterN && n.step < next);
  if (!nat) return { verdict };
  const which =
    nat.before.daddr !== nat.after.daddr || nat.before.dport !== nat.after.dport ? 'dst' : 'src';
  const before =
    which === 'dst' ? flowText(nat.before).split(' → ')[1] : flowText(nat.before).split(' → ')[0];
  const after =
    which === 'dst' ? flowText(nat.after).split(' → ')[1] : flowText(nat.after).split(' → ')[0];
  return { verdict, nat: `${nat.kind}: ${before} → ${after}` };
}

export function packetFlowchart(
  scenario: Scenario,
  w: PacketWalk,
  msg: Messages,
  conv: number,
): string {
  const lines = ['flowchart TD'];
  const id = (s: string) => `c${conv}p${w.index}${s}`;
  const from = senderOf(scenario, w);
  const srcId = id('src');
  lines.push(`  ${srcId}([${q(`${from} ${w.first?.saddr ?? ''}`)}])`);
  let prev = srcId;
  let prevLabel = w.first ? `${w.first.protocol} ${flowText(flowOf(w.first))}` : '';
  const edges: string[] = [];
  const classes: { hit: string[]; skip: string[]; end: string[] } = { hit: [], skip: [], end: [] };
  let si = 0;
  let lastRoute = '';
  for (const item of w.items) {
    if (item.kind === 'info') {
      const r = item.event.type === 'route' ? item.event.detail : undefined;
      const key = r ? `${r.decision}|${r.dev}|${r.daddr}` : '';
      if (r && key !== lastRoute) {
        lastRoute = key;
        const rid = id(`r${si++}`);
        lines.push(`  ${rid}{{${q(plain(msg.dgRoute(r.decision, r.dev)))}}}`);
        edges.push(`  ${prev} -->${prevLabel ? `|${q(prevLabel)}|` : ''} ${rid}`);
        prev = rid;
        prevLabel = '';
      }
      const n = item.event.type === 'nat' ? natChange(item.event.detail) : undefined;
      if (n?.reverse) {
        // conntrack's own rewrite of a reply, between two chains: on the edge it happens on.
        const d = natDelta(n.before, n.after);
        const change = `${plain(msg.dgConntrack())}: ${plain(msg.dgField(d.field))} ${d.from} → ${d.to}`;
        prevLabel = prevLabel ? `${prevLabel} · ${change}` : change;
      }
      continue;
    }
    const sw = item;
    const sid = id(`s${si++}`);
    const family = sw.stage.fclass === 'l3' ? (w.ipFamily === 4 ? 'ip' : 'ip6') : sw.stage.fclass;
    lines.push(`  subgraph ${sid} [${q(`${sw.stage.hook} · ${family}`)}]`);
    const enters = sw.replay.steps.filter((s) => s.event.type === 'enter');
    if (enters.length === 0) {
      const nid = `${sid}n`;
      lines.push(`    ${nid}[${q(plain(msg.dgNoChain(sw.bases.map((b) => b.chain.name))))}]`);
      classes.skip.push(nid);
      edges.push(`  ${prev} -->${prevLabel ? `|${q(prevLabel)}|` : ''} ${nid}`);
      prev = nid;
      prevLabel = '';
    }
    for (const [k, s] of enters.entries()) {
      const nid = `${sid}c${k}`;
      lines.push(`    ${nid}[${q(chainLabel(sw, s.n))}]`);
      classes.hit.push(nid);
      const conn = sw.nat.find(
        (n) =>
          n.kind === 'conntrack' &&
          s.event.type === 'enter' &&
          flowText(n.after) === flowText(flowOf(s.event.packet)),
      );
      const label = conn ? `conntrack: ${flowText(conn.after)}` : prevLabel;
      edges.push(`  ${prev} -->${label ? `|${q(label)}|` : ''} ${nid}`);
      const o = chainOutcome(sw, s.n);
      prev = nid;
      prevLabel = o.nat ? `${o.verdict} · ${o.nat}` : o.verdict;
    }
    lines.push('  end');
  }
  const endId = id('end');
  const endText =
    w.ending === 'delivered'
      ? plain(msg.dgDelivered(ownerOf(scenario, w.last.daddr) ?? w.last.daddr))
      : w.ending === 'dropped'
        ? plain(msg.dgDropped())
        : w.ending === 'rejected'
          ? plain(msg.dgRejected())
          : w.ending === 'unsupported'
            ? plain(msg.dgUnsupported())
            : plain(msg.dgLeaves(ownerOf(scenario, w.last.daddr) ?? w.last.daddr));
  lines.push(`  ${endId}([${q(endText)}])`);
  classes.end.push(endId);
  edges.push(`  ${prev} -->${prevLabel ? `|${q(prevLabel)}|` : ''} ${endId}`);
  lines.push(...edges);
  lines.push('  classDef hit stroke-width:2px');
  lines.push('  classDef skip stroke-dasharray:4 3');
  if (classes.hit.length) lines.push(`  class ${classes.hit.join(',')} hit`);
  if (classes.skip.length) lines.push(`  class ${classes.skip.join(',')} skip`);
  return lines.join('\n');
}

export function sequenceDiagram(
  scenario: Scenario,
  walks: PacketWalk[],
  msg: Messages,
  requestNat: { kind: string; field: string }[],
): string {
  const lines = ['sequenceDiagram'];
  const host = scenario.host.name;
  const parts: string[] = [];
  const pid = (name: string) => {
    let i = parts.indexOf(name);
    if (i < 0) {
      parts.push(name);
      i = parts.length - 1;
    }
    return `P${i}`;
  };
  const body: string[] = [];
  for (const w of walks) {
    if (!w.first) continue;
    const from = senderOf(scenario, w);
    const a = from === host ? pid(host) : pid(from);
    const h = pid(host);
    const arrow = w.role === 'request' ? '->>' : '-->>';
    const firstFlow = `${w.first.protocol} ${flowText(flowOf(w.first))}`;
    if (a !== h) body.push(`  ${a}${arrow}${h}: ${mermaidText(firstFlow)}`);
    const notes: string[] = [];
    const note = (kind: string, before: FlowView, after: FlowView) => {
      const d = natDelta(before, after);
      notes.push(`${kind}: ${plain(msg.dgField(d.field))} ${d.from} ⇒ ${d.to}`);
    };
    for (const item of w.items) {
      if (item.kind === 'info') {
        const n = item.event.type === 'nat' ? natChange(item.event.detail) : undefined;
        if (n) {
          // Rewriting the reply's destination undoes the request's source NAT, and vice versa.
          const field = natDelta(n.before, n.after).field;
          const undone = requestNat.find((x) => x.field !== field && x.field !== 'both')?.kind;
          const label = n.reverse ? msg.dgUndo(undone ?? n.kind) : msg.dgConntrack();
          note(plain(label), n.before, n.after);
        }
        const f = item.event.type === 'flowtable' ? item.event.detail : undefined;
        if (f?.step === 'fast-path') {
          const before = flowOfEndpoints(f.before);
          const after = flowOfEndpoints(f.after);
          if (!sameFlow(before, after)) note(`flowtable ${f.flowtable}`, before, after);
        }
        continue;
      }
      for (const n of item.nat)
        note(n.kind === 'conntrack' ? plain(msg.dgConntrack()) : n.kind, n.before, n.after);
    }
    for (const note of notes) body.push(`  Note over ${h}: ${mermaidText(note)}`);
    if (w.ending === 'dropped' || w.ending === 'rejected' || w.ending === 'unsupported') {
      body.push(
        `  Note over ${h}: ${mermaidText(plain(w.ending === 'unsupported' ? msg.dgUnsupported() : w.ending === 'rejected' ? msg.dgRejected() : msg.dgDropped()))}`,
      );
      continue;
    }
    const to = ownerOf(scenario, w.last.daddr) ?? w.last.daddr;
    if (to === host) {
      body.push(`  Note over ${h}: ${mermaidText(plain(msg.dgDelivered(host)))}`);
      continue;
    }
    body.push(`  ${h}${arrow}${pid(to)}: ${mermaidText(flowText(w.last))}`);
  }
  for (const [i, name] of parts.entries())
    lines.push(`  participant P${i} as ${mermaidText(name)}`);
  lines.push(...body);
  return lines.join('\n');
}

const L3_HOOKS: HookName[] = ['prerouting', 'input', 'forward', 'output', 'postrouting'];

/**
 * The highlight colours of the hook map: pale fills with dark text, readable on a light and on a
 * dark page alike (GitHub, Qiita, Zenn, and both of the site's themes). Mermaid reads a classDef
 * up to the first bracket, so CSS variables cannot be used here.
 */
const HIGHLIGHT = {
  req: 'fill:#dbeafe,stroke:#1d4ed8,stroke-width:3px,color:#111',
  rep: 'fill:#fef3c7,stroke:#b45309,stroke-width:3px,stroke-dasharray:6 3,color:#111',
  both: 'fill:#dcfce7,stroke:#15803d,stroke-width:4px,color:#111',
} as const;

/**
 * The hooks through which br_netfilter runs the IP layer's hooks for a bridged packet
 * (br_netfilter_hooks.c): from inside bridge prerouting, forward and postrouting, when the
 * host's bridge-nf-call sysctl for the conversation's family is on.
 */
function brNetfilterCalls(scenario: Scenario, ipFamily: 4 | 6): HookName[] {
  const sysctl =
    ipFamily === 6 ? 'net.bridge.bridge-nf-call-ip6tables' : 'net.bridge.bridge-nf-call-iptables';
  return (scenario.host.sysctl[sysctl] ?? 1) === 1 ? ['prerouting', 'forward', 'postrouting'] : [];
}

export function hookMap(scenario: Scenario, walks: PacketWalk[], msg: Messages): string {
  const crossed = new Map<string, Set<string>>();
  const mark = (key: string, role: string) => {
    const s = crossed.get(key) ?? new Set<string>();
    s.add(role);
    crossed.set(key, s);
  };
  let bridge = false;
  for (const w of walks) {
    for (const sw of stageWalks(w)) {
      const fc = sw.stage.fclass;
      if (fc === 'bridge') bridge = true;
      mark(`${fc === 'l3' ? 'ip' : fc}_${sw.stage.hook}`, w.role === 'request' ? 'req' : 'rep');
    }
  }
  const lines = ['flowchart TB'];
  lines.push(`  subgraph L3 [${q(plain(msg.dgL3()))}]`);
  lines.push(`    netdev_ingress[${q('ingress (netdev)')}]`);
  for (const h of L3_HOOKS) lines.push(`    ip_${h}[${q(h)}]`);
  lines.push(`    ip_route{${q(plain(msg.dgRouting()))}}`);
  lines.push(`    ip_local([${q(plain(msg.dgLocalProcess()))}])`);
  lines.push(`    netdev_egress[${q('egress (netdev)')}]`);
  lines.push('  end');
  lines.push('  netdev_ingress --> ip_prerouting --> ip_route');
  lines.push('  ip_route --> ip_input --> ip_local');
  lines.push('  ip_route --> ip_forward --> ip_postrouting');
  lines.push('  ip_local --> ip_output --> ip_postrouting --> netdev_egress');
  if (bridge) {
    lines.push(`  subgraph L2 [${q(plain(msg.dgL2()))}]`);
    for (const h of L3_HOOKS) lines.push(`    bridge_${h}[${q(`bridge ${h}`)}]`);
    lines.push('  end');
    lines.push('  bridge_prerouting --> bridge_input');
    lines.push('  bridge_prerouting --> bridge_forward --> bridge_postrouting');
    lines.push('  bridge_output --> bridge_postrouting');
    lines.push(`  bridge_input -.->|${q(plain(msg.dgUpToIp()))}| ip_route`);
    lines.push(`  ip_postrouting -.->|${q(plain(msg.dgDownToBridge()))}| bridge_output`);
    // A call and its return: the bridge hook runs the ip hook and carries on afterwards.
    for (const h of brNetfilterCalls(scenario, walks[0]?.ipFamily ?? 4)) {
      lines.push(`  bridge_${h} <-.->|${q('br_netfilter')}| ip_${h}`);
    }
  }
  for (const cls of ['req', 'rep', 'both'] as const)
    lines.push(`  classDef ${cls} ${HIGHLIGHT[cls]}`);
  const by: Record<string, string[]> = { req: [], rep: [], both: [] };
  for (const [k, roles] of crossed) {
    const cls = roles.size > 1 ? 'both' : [...roles][0]!;
    by[cls]!.push(k);
  }
  for (const [cls, ids] of Object.entries(by))
    if (ids.length) lines.push(`  class ${ids.join(',')} ${cls}`);
  return lines.join('\n');
}
