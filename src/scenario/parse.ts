/**
 * Scenario text (docs/spec/scenario-format.md) into a checked scenario: YAML read with
 * positions, every key checked, addresses parsed, references between sections resolved. All
 * problems are collected and thrown together as one ScenarioError, each with file, line and
 * column. Text in, scenario out: src/scenario/load.ts reads the file.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { Diagnostic } from '../ruleset/diagnostics.ts';
import { parseAddress } from './addresses.ts';
import { ScenarioError } from './diagnostics.ts';
import { readHost } from './host.ts';
import { readMachines } from './machines.ts';
import type { Lang, Machine, Scenario } from './model.ts';
import { type ReadPacket, readPackets } from './packets.ts';
import type { RulesetLocator } from './ruleset-path.ts';
import { readRulesetRef } from './ruleset-ref.ts';
import { keysOf, requiredOf, TOP } from './shape.ts';
import { readTranslations } from './translations.ts';
import { Reader } from './yaml-reader.ts';

const TOP_KEYS = keysOf(TOP);
const REQUIRED_TOP = requiredOf(TOP);
/** Scenario files are small; a bigger one is a mistake (and would slow every page build). */
const MAX_BYTES = 1 << 20;

/**
 * Checks scenario text; `file` names it in messages, `locate` says where the ruleset path it
 * writes leads (or why it may not be read). Throws ScenarioError listing every problem found.
 */
export function parseScenarioText(text: string, file: string, locate: RulesetLocator): Scenario {
  if (text.length > MAX_BYTES) {
    throw new ScenarioError([
      {
        file,
        line: 1,
        col: 1,
        message: `the scenario is larger than ${MAX_BYTES} bytes`,
        severity: 'error',
      },
    ]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const r = new Reader(file, lines, text.length);
  for (const e of [...doc.errors, ...doc.warnings]) {
    // The yaml library reports a stack overflow on very deep nesting as a YAML error.
    const why = /Maximum call stack/.test(e.message)
      ? 'nested too deeply'
      : e.message.split('\n')[0];
    r.errorAt(e.pos[0], `invalid YAML: ${why}`);
  }
  if (r.diagnostics.length > 0) throw new ScenarioError(r.diagnostics);

  const top = r.map(doc.contents as never, 'the top level', TOP_KEYS, REQUIRED_TOP);
  if (!top) throw new ScenarioError(r.diagnostics);

  const titleEntry = top.get('title');
  const title = titleEntry ? r.string(titleEntry) : undefined;
  const summaryEntry = top.get('summary');
  const summary = summaryEntry ? r.string(summaryEntry, { nonEmpty: false }) : undefined;
  let lang: Lang = 'en';
  const langEntry = top.get('lang');
  if (langEntry) {
    const l = r.string(langEntry);
    if (l === 'en' || l === 'ja') lang = l;
    else if (l !== undefined) r.error(langEntry.value, `lang must be "en" or "ja", not "${l}"`);
  }
  const translationsEntry = top.get('translations');
  const hasSummary = summary !== undefined && summary.trim() !== '';
  const translations = translationsEntry
    ? readTranslations(r, translationsEntry, lang, hasSummary)
    : undefined;
  const rulesetEntry = top.get('ruleset');
  const ruleset = rulesetEntry ? readRulesetRef(r, rulesetEntry, locate) : undefined;
  const hostEntry = top.get('host');
  const host = hostEntry ? readHost(r, hostEntry) : undefined;
  const refused = new Set<string>();
  const machines = readMachines(r, top.get('hosts'), host?.interfaces ?? [], refused);
  const packets = readPackets(r, top.get('packets'));

  if (host) {
    for (const p of packets) if (!refused.has(p.spec.from)) checkSender(r, p, host, machines);
    for (const p of packets) if (p.spec.segments) checkSegmentPeer(r, p, host, machines);
  }
  if (r.diagnostics.length > 0 || !title || !ruleset || !host) {
    throw new ScenarioError(sortDiagnostics(r.diagnostics));
  }
  return {
    file,
    title,
    ...(summary !== undefined && summary.trim() !== '' ? { summary } : {}),
    lang,
    ...(translations && Object.keys(translations).length > 0 ? { translations } : {}),
    ruleset,
    host,
    hosts: machines,
    packets: packets.map((p) => p.spec),
  };
}

/** `from` must name a machine (or `host`) that owns `saddr` and has an address of the family. */
function checkSender(
  r: Reader,
  p: ReadPacket,
  host: Scenario['host'],
  machines: readonly Machine[],
): void {
  const fromEntry = p.entries.get('from')!;
  const family = p.family;
  let own: string[];
  if (p.spec.from === 'host') {
    own = host.interfaces.flatMap((i) => i.addresses.map((c) => c.address));
  } else {
    const m = machines.find((x) => x.name === p.spec.from);
    if (!m) {
      const names = machines.map((x) => x.name);
      r.error(
        fromEntry.value,
        `${fromEntry.path}: no machine is named "${p.spec.from}" (write "host" or one of: ${names.join(', ') || 'none'})`,
      );
      return;
    }
    own = m.addresses;
  }
  const ofFamily = own.filter((a) => {
    const parsed = parseAddress(a);
    return !('error' in parsed) && parsed.family === family;
  });
  if (family && ofFamily.length === 0) {
    r.error(
      fromEntry.value,
      `${fromEntry.path}: "${p.spec.from}" has no IPv${family} address to send to ${p.spec.to} from`,
    );
    return;
  }
  if (p.spec.saddr !== undefined && !own.includes(p.spec.saddr)) {
    const e = p.entries.get('saddr')!;
    r.error(e.value, `${e.path}: ${p.spec.saddr} is not an address of "${p.spec.from}"`);
  }
}

/**
 * Extension (segments): reply segments come from the owner of `to`, so it must be an address
 * of the host or of a machine (the segments are sent as written, not through a NAT).
 */
function checkSegmentPeer(
  r: Reader,
  p: ReadPacket,
  host: Scenario['host'],
  machines: readonly Machine[],
): void {
  const to = p.spec.to;
  const ours = host.interfaces.some((i) => i.addresses.some((c) => c.address === to));
  if (ours || machines.some((m) => m.addresses.includes(to))) return;
  const e = p.entries.get('to')!;
  r.error(
    e.value,
    `${e.path}: a conversation with segments sends its replies from ${to}, which is neither the host's nor a machine's address`,
  );
}

function sortDiagnostics(d: Diagnostic[]): Diagnostic[] {
  return [...d].sort((a, b) => a.line - b.line || a.col - b.col);
}
