/**
 * The iptables-save / iptables-restore file structure: `*table` … `COMMIT` blocks, chain
 * declarations `:NAME POLICY [packets:bytes]`, and rule lines `-A CHAIN …` / `-I CHAIN [n] …`
 * (plus the restore commands `-N`, `-P`, `-F`). Each block becomes a model table of family
 * ip or ip6 named as the iptables table; built-in chains become base chains.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { Chain, NamedSet, Rule, Table } from '../model.ts';
import {
  builtinChain,
  builtinChains,
  type IptablesTable,
  isIptablesTable,
} from './builtin-chains.ts';
import { type IpFamily, LineError, type LineRef, lineSpan, type RuleContext } from './context.ts';
import { translateRuleWords } from './rule.ts';
import { TokenizeError, tokenizeLine, type Word } from './tokenize.ts';

export interface ParseOptions {
  family: IpFamily;
  /** ipset members from the scenario, by set name. */
  ipsets?: Record<string, string[]>;
  /** Builds the named set for an ipset (see ipsets.ts). */
  makeSet(
    name: string,
    members: string[] | undefined,
    dims: number,
    family: IpFamily,
  ): NamedSet | { error: string };
}

interface RuleLine {
  ref: LineRef;
  words: Word[];
  chain: string;
  /** Where the rule goes: append, or insert at a 1-based position. */
  insertAt?: number;
}

interface Block {
  table: Table;
  name: IptablesTable;
  ref: LineRef;
  /** Rule lines and flushes, in order: translated when the block is committed. */
  ops: (
    | { kind: 'rule'; rule: RuleLine }
    | { kind: 'flush'; chain?: string; ref: LineRef }
    | { kind: 'delete'; chain: string; ref: LineRef; at: Word; position?: number; spec?: string[] }
    | { kind: 'replace'; rule: RuleLine; position: number; at: Word }
  )[];
}

const POLICIES = ['ACCEPT', 'DROP'];

export function parseSaveFile(
  file: string,
  text: string,
  opts: ParseOptions,
): { tables: Table[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tables: Table[] = [];
  let block: Block | undefined;

  const error = (ref: LineRef, start: number, end: number, message: string) => {
    diagnostics.push({
      file,
      line: ref.line,
      col: start + 1,
      endLine: ref.line,
      endCol: Math.max(end, start + 1) + 1,
      message,
      severity: 'error',
    });
  };

  let offset = 0;
  const rawLines = text.split('\n');
  for (let n = 0; n < rawLines.length; n++) {
    let lineText = rawLines[n]!;
    const lineOffset = offset;
    offset += lineText.length + 1;
    if (lineText.endsWith('\r')) lineText = lineText.slice(0, -1);
    const ref: LineRef = { file, line: n + 1, offset: lineOffset, text: lineText };
    const trimmed = lineText.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const lead = lineText.length - lineText.trimStart().length;
    try {
      if (trimmed.startsWith('*')) {
        if (block) {
          error(
            ref,
            lead,
            lineText.length,
            `table ${trimmed.slice(1)} starts before COMMIT ends table ${block.name} (line ${block.ref.line})`,
          );
          commit(block, opts, diagnostics);
        }
        const name = trimmed.slice(1).trim();
        if (!isIptablesTable(name)) {
          error(
            ref,
            lead + 1,
            lineText.trimEnd().length,
            `unknown table "${name}" (raw, mangle, nat, filter, security)`,
          );
          block = undefined;
          continue;
        }
        block = startTable(tables, name, ref, lead, opts);
        continue;
      }
      if (trimmed === 'COMMIT') {
        if (!block) error(ref, lead, lead + 6, 'COMMIT without a table (*filter, *nat…) to commit');
        else commit(block, opts, diagnostics);
        block = undefined;
        continue;
      }
      const words = tokenizeLine(lineText);
      if (!block) {
        error(
          ref,
          lead,
          lineText.trimEnd().length,
          'line outside a table: start the table with *filter, *nat, *mangle, *raw or *security',
        );
        continue;
      }
      if (trimmed.startsWith(':')) {
        declareChain(block, ref, words);
        continue;
      }
      readCommand(block, ref, words);
    } catch (e) {
      if (e instanceof LineError) error(ref, e.start, e.end, e.message);
      else if (e instanceof TokenizeError) error(ref, e.column, e.column + 1, e.message);
      else throw e;
    }
  }
  if (block) {
    error(
      block.ref,
      0,
      block.ref.text.length,
      `table ${block.name} has no COMMIT: iptables-restore would load nothing of it`,
    );
  }
  return { tables, diagnostics };
}

function findChain(block: Block, name: string): Chain | undefined {
  return block.table.chains.find((c) => c.name === name);
}

function addChain(block: Block, name: string, ref: LineRef, start: number, end: number): Chain {
  const base = builtinChain(block.name, name);
  const chain: Chain = { name, rules: [], span: lineSpan(ref, start, end) };
  if (base) {
    chain.base = base;
    chain.policy = 'accept';
  }
  block.table.chains.push(chain);
  return chain;
}

/** `:INPUT ACCEPT [0:0]`, `:DOCKER - [0:0]`. */
function declareChain(block: Block, ref: LineRef, words: Word[]): void {
  const first = words[0]!;
  const name = first.text.slice(1);
  if (name === '') throw new LineError('chain declaration without a name', first.start, first.end);
  if (name.length > 28)
    throw new LineError(
      `chain name "${name}" is longer than 28 characters`,
      first.start,
      first.end,
    );
  const policy = words[1];
  if (!policy)
    throw new LineError(
      `chain ${name} needs a policy (ACCEPT, DROP, or - for a user chain)`,
      first.start,
      first.end,
    );
  const builtin = builtinChains(block.name).includes(name);
  if (builtin && !POLICIES.includes(policy.text) && policy.text !== '-') {
    // iptables-nft-restore takes `-` on a built-in chain as "keep the policy" (accept when new).
    throw new LineError(
      `built-in chain ${name} needs the policy ACCEPT, DROP or -`,
      policy.start,
      policy.end,
    );
  }
  if (!builtin && policy.text !== '-') {
    throw new LineError(
      POLICIES.includes(policy.text)
        ? `${name} is not a built-in chain of table ${block.name}: only built-in chains have a policy (write -)`
        : `bad policy "${policy.text}"`,
      policy.start,
      policy.end,
    );
  }
  const counters = words[2];
  if (counters && !/^\[\d+:\d+\]$/.test(counters.text)) {
    throw new LineError(
      `bad counters "${counters.text}" (write [packets:bytes])`,
      counters.start,
      counters.end,
    );
  }
  if (words[3]) throw new LineError(`unexpected "${words[3].text}"`, words[3].start, words[3].end);
  let chain = findChain(block, name);
  if (!chain) chain = addChain(block, name, ref, first.start, (counters ?? policy).end);
  if (builtin && policy.text !== '-') {
    chain.policy = policy.text === 'DROP' ? 'drop' : 'accept';
    chain.policyWritten = true;
  }
}

/** `*name`: the table's block (a table named again goes on in the same table). */
function startTable(
  tables: Table[],
  name: Block['name'],
  ref: LineRef,
  lead: number,
  opts: ParseOptions,
): Block {
  let table = tables.find((t) => t.name === name);
  if (!table) {
    table = {
      family: opts.family,
      name,
      flags: [],
      chains: [],
      sets: [],
      objects: [],
      flowtables: [],
      span: lineSpan(ref, lead, ref.text.trimEnd().length),
    };
    tables.push(table);
  }
  return { table, name, ref, ops: [] };
}

/** A rule or restore command line. */
function readCommand(block: Block, ref: LineRef, all: Word[]): void {
  let words = all;
  // iptables-save -c writes counters first: `[0:0] -A INPUT …`.
  if (words[0] && /^\[\d+:\d+\]$/.test(words[0].text)) words = words.slice(1);
  // iptables-restore lines can be limited to one family: `-4 -A …` / `-6 -A …`.
  const fam = words[0]?.text;
  if (fam === '-4' || fam === '-6' || fam === '--ipv4' || fam === '--ipv6') {
    const four = fam === '-4' || fam === '--ipv4';
    if (four !== (block.table.family === 'ip')) return;
    words = words.slice(1);
  }
  const cmd = words[0];
  if (!cmd) return;
  const chainWord = words[1];
  const needChain = () => {
    if (!chainWord) throw new LineError(`${cmd.text} needs a chain name`, cmd.start, cmd.end);
    return chainWord;
  };
  switch (cmd.text) {
    case '-A':
    case '--append':
    case '-I':
    case '--insert':
      addRule(block, ref, cmd, needChain(), words.slice(2));
      return;
    case '-N':
    case '--new-chain':
      newChain(block, ref, cmd, needChain());
      return;
    case '-P':
    case '--policy':
      setPolicy(block, ref, cmd, needChain(), words[2]);
      return;
    case '-F':
    case '--flush':
      flush(block, ref, chainWord);
      return;
    case '-Z':
    case '--zero':
      return; // counters: nfwalk does not count
    case '-X':
    case '--delete-chain':
      deleteChains(block, cmd, chainWord);
      return;
    case '-D':
    case '--delete':
    case '-R':
    case '--replace':
      deleteOrReplaceRule(block, ref, cmd, needChain(), words.slice(2));
      return;
    default:
      throw new LineError(
        cmd.text.startsWith('-')
          ? `${cmd.text} is not an iptables-restore command nfwalk reads (-A, -I, -D, -R, -N, -X, -P, -F, -Z)`
          : `unexpected "${cmd.text}": a rule line starts with -A CHAIN`,
        cmd.start,
        cmd.end,
      );
  }
}

/**
 * The chain a command names: declared, or a built-in chain declared by its use; otherwise
 * `notDeclared` says why not.
 */
function usedChain(block: Block, ref: LineRef, cw: Word, notDeclared: string): void {
  if (findChain(block, cw.text)) return;
  if (!builtinChains(block.name).includes(cw.text)) {
    throw new LineError(notDeclared, cw.start, cw.end);
  }
  addChain(block, cw.text, ref, cw.start, cw.end);
}

/** `-A chain rule…`, `-I chain [n] rule…`. */
function addRule(block: Block, ref: LineRef, cmd: Word, cw: Word, words: Word[]): void {
  let rest = words;
  let insertAt: number | undefined;
  if (cmd.text === '-I' || cmd.text === '--insert') {
    insertAt = 1;
    const num = rest[0];
    if (num && /^\d+$/.test(num.text)) {
      insertAt = Number(num.text);
      if (insertAt < 1) throw new LineError('rule positions start at 1', num.start, num.end);
      rest = rest.slice(1);
    }
  }
  usedChain(
    block,
    ref,
    cw,
    `chain ${cw.text} is not declared in table ${block.name} (declare it with :${cw.text} - [0:0] before its rules)`,
  );
  const rule: RuleLine = { ref, words: rest, chain: cw.text };
  if (insertAt !== undefined) rule.insertAt = insertAt;
  block.ops.push({ kind: 'rule', rule });
}

/** `-N chain`. */
function newChain(block: Block, ref: LineRef, cmd: Word, cw: Word): void {
  if (builtinChains(block.name).includes(cw.text) || findChain(block, cw.text)) {
    throw new LineError(`chain ${cw.text} already exists`, cw.start, cw.end);
  }
  addChain(block, cw.text, ref, cmd.start, cw.end);
}

/** `-P chain ACCEPT|DROP`. */
function setPolicy(block: Block, ref: LineRef, cmd: Word, cw: Word, p: Word | undefined): void {
  if (!builtinChains(block.name).includes(cw.text)) {
    throw new LineError(
      `${cw.text} is not a built-in chain of table ${block.name}: it has no policy`,
      cw.start,
      cw.end,
    );
  }
  if (!p || !POLICIES.includes(p.text)) {
    throw new LineError('the policy is ACCEPT or DROP', (p ?? cw).start, (p ?? cw).end);
  }
  const chain = findChain(block, cw.text) ?? addChain(block, cw.text, ref, cmd.start, p.end);
  chain.policy = p.text === 'DROP' ? 'drop' : 'accept';
  chain.policyWritten = true;
}

/** `-F [chain]`. */
function flush(block: Block, ref: LineRef, chainWord: Word | undefined): void {
  const op: Block['ops'][number] = { kind: 'flush', ref };
  if (chainWord) {
    usedChain(block, ref, chainWord, `chain ${chainWord.text} is not declared`);
    op.chain = chainWord.text;
  }
  block.ops.push(op);
}

/** `-X [chain]`: the chain, or every chain not built in; they must have no rules. */
function deleteChains(block: Block, cmd: Word, chainWord: Word | undefined): void {
  const builtins = builtinChains(block.name);
  if (chainWord && builtins.includes(chainWord.text)) {
    throw new LineError(
      `built-in chain ${chainWord.text} cannot be deleted`,
      chainWord.start,
      chainWord.end,
    );
  }
  if (chainWord && !findChain(block, chainWord.text)) {
    throw new LineError(`chain ${chainWord.text} is not declared`, chainWord.start, chainWord.end);
  }
  const gone = (name: string) =>
    !builtins.includes(name) && (chainWord === undefined || name === chainWord.text);
  for (const op of block.ops) {
    if (op.kind === 'rule' && gone(op.rule.chain)) {
      throw new LineError(
        `chain ${op.rule.chain} is not empty: it has rules (line ${op.rule.ref.line})`,
        cmd.start,
        (chainWord ?? cmd).end,
      );
    }
  }
  block.table.chains = block.table.chains.filter((c) => !gone(c.name));
}

/** `-D chain n`, `-D chain rule…`, `-R chain n rule…`. */
function deleteOrReplaceRule(block: Block, ref: LineRef, cmd: Word, cw: Word, rest: Word[]): void {
  usedChain(block, ref, cw, `chain ${cw.text} is not declared`);
  const num = rest[0] && /^\d+$/.test(rest[0].text) ? rest[0] : undefined;
  if (cmd.text === '-D' || cmd.text === '--delete') {
    if (num && rest.length === 1) {
      block.ops.push({ kind: 'delete', chain: cw.text, ref, at: num, position: Number(num.text) });
    } else {
      block.ops.push({
        kind: 'delete',
        chain: cw.text,
        ref,
        at: cw,
        spec: rest.map((w) => w.text),
      });
    }
    return;
  }
  if (!num) throw new LineError('-R needs the position of the rule to replace', cw.start, cw.end);
  block.ops.push({
    kind: 'replace',
    rule: { ref, words: rest.slice(1), chain: cw.text },
    position: Number(num.text),
    at: num,
  });
}

/** Translates the block's rules, now that every chain of the table is known. */
function commit(block: Block, opts: ParseOptions, diagnostics: Diagnostic[]): void {
  const table = block.table;
  const names = new Set(table.chains.map((c) => c.name));
  const builtins = builtinChains(block.name);
  for (const op of block.ops) {
    if (op.kind === 'flush') {
      for (const c of table.chains) if (op.chain === undefined || c.name === op.chain) c.rules = [];
      continue;
    }
    if (op.kind === 'delete') {
      const chain = table.chains.find((c) => c.name === op.chain)!;
      const k =
        op.position !== undefined
          ? op.position - 1
          : chain.rules.findIndex((rule) => sameSpec(rule, op.spec!));
      if (k < 0 || k >= chain.rules.length) {
        diagnostics.push(
          lineDiagnostic(
            op.ref,
            op.at.start,
            op.at.end,
            op.position !== undefined
              ? `chain ${op.chain} has no rule ${op.position} to delete (it has ${chain.rules.length})`
              : `chain ${op.chain} has no such rule to delete`,
          ),
        );
      } else chain.rules.splice(k, 1);
      continue;
    }
    const r = op.rule;
    const chain = table.chains.find((c) => c.name === r.chain)!;
    const ctx: RuleContext = {
      family: opts.family,
      table: block.name,
      chain: r.chain,
      line: r.ref,
      ipset: (name, dims) => {
        const existing = table.sets.find((s) => s.name === name);
        if (existing) return existing;
        const made = opts.makeSet(name, opts.ipsets?.[name], dims, opts.family);
        if (!('error' in made)) table.sets.push(made);
        return made;
      },
    };
    try {
      const body = translateRuleWords(r.words, ctx, names, builtins);
      if (!body) continue;
      const lineText = r.ref.text.trimEnd();
      const lead = lineText.length - lineText.trimStart().length;
      const rule: Rule = {
        index: 0,
        statements: body.statements,
        text: lineText.trimStart(),
        span: lineSpan(r.ref, lead, lineText.length),
        iptables: { table: block.name, chain: r.chain, line: lineText.trimStart() },
      };
      if (body.comment !== undefined) rule.comment = body.comment;
      if (op.kind === 'replace') {
        if (op.position > chain.rules.length) {
          throw new LineError(
            `chain ${r.chain} has no rule ${op.position} to replace`,
            op.at.start,
            op.at.end,
          );
        }
        chain.rules[op.position - 1] = rule;
      } else if (r.insertAt !== undefined) {
        if (r.insertAt > chain.rules.length + 1) {
          const w = r.words[0];
          throw new LineError(
            `cannot insert at position ${r.insertAt}: chain ${r.chain} has ${chain.rules.length} rules`,
            w?.start ?? 0,
            w?.end ?? 1,
          );
        }
        chain.rules.splice(r.insertAt - 1, 0, rule);
      } else {
        chain.rules.push(rule);
      }
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      diagnostics.push(lineDiagnostic(r.ref, e.start, e.end, e.message));
    }
  }
  for (const c of table.chains)
    c.rules.forEach((rule, k) => {
      rule.index = k;
    });
  block.ops = [];
}

function lineDiagnostic(ref: LineRef, start: number, end: number, message: string): Diagnostic {
  return {
    file: ref.file,
    line: ref.line,
    col: start + 1,
    endLine: ref.line,
    endCol: Math.max(end, start + 1) + 1,
    message,
    severity: 'error',
  };
}

/** Whether a rule was written with these words after `-A CHAIN` (for `-D CHAIN rule-spec`). */
function sameSpec(rule: Rule, spec: string[]): boolean {
  const words = tokenizeLine(rule.text).map((w) => w.text);
  const i = words.findIndex(
    (w) => w === '-A' || w === '--append' || w === '-I' || w === '--insert',
  );
  if (i < 0) return false;
  let rest = words.slice(i + 2);
  if ((words[i] === '-I' || words[i] === '--insert') && rest[0] && /^\d+$/.test(rest[0]))
    rest = rest.slice(1);
  return rest.length === spec.length && rest.every((w, k) => w === spec[k]);
}
