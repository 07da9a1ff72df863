/**
 * The nft front end's model nodes that keep their place in the source compactly: spans that
 * work out lines and columns when asked, statement texts that are views of the source, and the
 * most common nodes (rules, header fields, values) as classes whose span is made when first
 * read. A kube-proxy-sized listing has millions of nodes and most positions are never looked
 * at; every object kept from the start is one more for the collector to copy.
 */
import type {
  CounterStmt,
  Expr,
  MatchStmt,
  NatStmt,
  NatType,
  PayloadExpr,
  RelOp,
  Rule,
  Span,
  Statement,
  ValueExpr,
  Verdict,
  VerdictStmt,
} from '../model.ts';

/** Where the lines of a text start, to turn offsets into lines and columns. */
export class LineIndex {
  private readonly starts: Int32Array;
  /** The file the text is from (its spans name it). */
  readonly file: string;

  /** The text itself. */
  readonly text: string;

  /** From where the lines start, as the tokenizer found them (line 1 at 0). */
  constructor(text: string, starts: Int32Array, file: string) {
    this.text = text;
    this.file = file;
    this.starts = starts;
  }

  /** The 1-based line of an offset (every newline, escaped or not, starts a line). */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  startOf(line: number): number {
    return this.starts[line - 1] ?? 0;
  }
}

/**
 * A span that keeps only its offsets and works out lines and columns when asked: a big
 * listing has close to a million spans, and most are never looked at. Reads like a Span;
 * JSON.stringify gives the plain Span.
 */
export class SourceSpan implements Span {
  readonly offset: number;
  readonly end: number;
  readonly #lines: LineIndex;

  constructor(offset: number, end: number, lines: LineIndex) {
    this.offset = offset;
    this.end = end;
    this.#lines = lines;
  }

  get file(): string {
    return this.#lines.file;
  }

  get line(): number {
    return this.#lines.lineOf(this.offset);
  }

  get col(): number {
    return this.offset - this.#lines.startOf(this.line) + 1;
  }

  /** The line of the last character (of the end of the text for an empty span). */
  get endLine(): number {
    return this.#lines.lineOf(this.end > this.offset ? this.end - 1 : this.end);
  }

  /** The column just past the last character, as nft's locations end. */
  get endCol(): number {
    return this.end - this.#lines.startOf(this.endLine) + 1;
  }

  /** The text the span covers. */
  get source(): string {
    return this.#lines.text.slice(this.offset, this.end);
  }

  toJSON(): Span {
    return {
      file: this.file,
      line: this.line,
      col: this.col,
      endLine: this.endLine,
      endCol: this.endCol,
      offset: this.offset,
      end: this.end,
    };
  }
}

/**
 * The prototype of the nft front end's statements: their `text` (the model's StmtBase.text,
 * the statement as written) is a view of the source through their span, sliced when asked,
 * rather than a string per statement kept from the start (a 50,000-service listing has
 * 300,000 statements, and most texts are never read). Assigning `text` stores it as usual.
 */
export const SOURCE_TEXT = {
  get text(): string | undefined {
    const span = (this as { span?: Span }).span;
    return span instanceof SourceSpan ? span.source : undefined;
  },
  set text(value: string | undefined) {
    Object.defineProperty(this, 'text', {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  },
};

/** A node's span from the place it keeps: its offsets and the line index until asked. */
function spanAt(
  offset: number,
  end: number,
  where: LineIndex | Span | undefined,
): Span | undefined {
  return where instanceof LineIndex ? new SourceSpan(offset, end, where) : where;
}

/**
 * A node whose span is worked out when first asked, from the offsets it keeps: a big listing
 * has a rule, a few statements, a header field and a value or two per line, and their spans
 * are read only for the rules a page shows or where a check reports an error. `span` reads
 * (and can be set) like the model's field; it is an accessor, so JSON.stringify and object
 * spread leave it out.
 *
 * Each class below keeps its place in private fields of its own and repeats the few lines of
 * the accessor: fields set by a constructor shared by seven classes make every store in it
 * megamorphic, a third of the cost of making a node (measured: 700,000 nodes in a
 * 50,000-service listing). Fields are `declare`d and set in the constructor, in the order
 * JSON.stringify has always printed them, so none is first defined as undefined.
 */
export abstract class Located {
  abstract get span(): Span | undefined;
  abstract set span(span: Span | undefined);
}

/**
 * The most common statements (matches, verdicts, counters, nat) as classes: span made when
 * first read, text a view of the source (as SOURCE_TEXT gives the other statements). They are
 * made before their end is read, and placed with `locate` once it is.
 */
export abstract class StatementNode extends Located {
  /** The accessor of SOURCE_TEXT, put on this prototype below. */
  declare text?: string;
  /** Places a node made before its end was read. */
  abstract locate(offset: number, end: number, lines: LineIndex): void;
}
Object.defineProperty(
  StatementNode.prototype,
  'text',
  Object.getOwnPropertyDescriptor(SOURCE_TEXT, 'text') as PropertyDescriptor,
);

export class MatchNode extends StatementNode implements MatchStmt {
  declare readonly kind: 'match';
  declare left: Expr;
  declare op: RelOp;
  declare right: Expr;
  declare implicitOp?: boolean;
  declare mask?: Expr;
  #offset = 0;
  #end = 0;
  #where: LineIndex | Span | undefined;
  constructor(left: Expr, op: RelOp, right: Expr, implicitOp: boolean) {
    super();
    this.kind = 'match';
    this.left = left;
    this.op = op;
    this.right = right;
    if (implicitOp) this.implicitOp = true;
  }
  locate(offset: number, end: number, lines: LineIndex): void {
    this.#offset = offset;
    this.#end = end;
    this.#where = lines;
  }
  get span(): Span | undefined {
    this.#where = spanAt(this.#offset, this.#end, this.#where);
    return this.#where;
  }
  set span(span: Span | undefined) {
    this.#where = span;
  }
}

export class VerdictNode extends StatementNode implements VerdictStmt {
  declare readonly kind: 'verdict';
  declare verdict: Verdict;
  #offset = 0;
  #end = 0;
  #where: LineIndex | Span | undefined;
  constructor(verdict: Verdict) {
    super();
    this.kind = 'verdict';
    this.verdict = verdict;
  }
  locate(offset: number, end: number, lines: LineIndex): void {
    this.#offset = offset;
    this.#end = end;
    this.#where = lines;
  }
  get span(): Span | undefined {
    this.#where = spanAt(this.#offset, this.#end, this.#where);
    return this.#where;
  }
  set span(span: Span | undefined) {
    this.#where = span;
  }
}

/** `counter packets N bytes M`, as listings write it. */
export class CounterNode extends StatementNode implements CounterStmt {
  declare readonly kind: 'counter';
  declare packets: number;
  declare bytes: number;
  declare name?: string;
  #offset = 0;
  #end = 0;
  #where: LineIndex | Span | undefined;
  constructor(packets: number, bytes: number) {
    super();
    this.kind = 'counter';
    this.packets = packets;
    this.bytes = bytes;
  }
  locate(offset: number, end: number, lines: LineIndex): void {
    this.#offset = offset;
    this.#end = end;
    this.#where = lines;
  }
  get span(): Span | undefined {
    this.#where = spanAt(this.#offset, this.#end, this.#where);
    return this.#where;
  }
  set span(span: Span | undefined) {
    this.#where = span;
  }
}

export class NatNode extends StatementNode implements NatStmt {
  declare readonly kind: 'nat';
  declare type: NatType;
  declare flags: string[];
  declare addr: Expr | undefined;
  declare port: Expr | undefined;
  declare family?: 'ip' | 'ip6';
  declare addrPortMap?: boolean;
  declare prefix?: boolean;
  #offset = 0;
  #end = 0;
  #where: LineIndex | Span | undefined;
  constructor(type: NatType) {
    super();
    this.kind = 'nat';
    this.type = type;
    this.flags = [];
    this.addr = undefined;
    this.port = undefined;
  }
  locate(offset: number, end: number, lines: LineIndex): void {
    this.#offset = offset;
    this.#end = end;
    this.#where = lines;
  }
  get span(): Span | undefined {
    this.#where = spanAt(this.#offset, this.#end, this.#where);
    return this.#where;
  }
  set span(span: Span | undefined) {
    this.#where = span;
  }
}

/** A literal value (ValueExpr) with a Located span. */
export class ValueNode extends Located implements ValueExpr {
  declare readonly kind: 'value';
  declare text: string;
  declare quoted?: boolean;
  #offset: number;
  #end: number;
  #where: LineIndex | Span | undefined;
  constructor(text: string, quoted: boolean, offset: number, end: number, lines: LineIndex) {
    super();
    this.#offset = offset;
    this.#end = end;
    this.#where = lines;
    this.kind = 'value';
    this.text = text;
    if (quoted) this.quoted = true;
  }
  get span(): Span | undefined {
    this.#where = spanAt(this.#offset, this.#end, this.#where);
    return this.#where;
  }
  set span(span: Span | undefined) {
    this.#where = span;
  }
}

/** A header field (PayloadExpr) with a Located span. */
export class PayloadNode extends Located implements PayloadExpr {
  declare readonly kind: 'payload';
  declare protocol: string;
  declare field: string;
  declare exthdr?: boolean;
  #offset: number;
  #end: number;
  #where: LineIndex | Span | undefined;
  constructor(
    protocol: string,
    field: string,
    exthdr: boolean,
    offset: number,
    end: number,
    lines: LineIndex,
  ) {
    super();
    this.#offset = offset;
    this.#end = end;
    this.#where = lines;
    this.kind = 'payload';
    this.protocol = protocol;
    this.field = field;
    if (exthdr) this.exthdr = true;
  }
  get span(): Span | undefined {
    this.#where = spanAt(this.#offset, this.#end, this.#where);
    return this.#where;
  }
  set span(span: Span | undefined) {
    this.#where = span;
  }
}

/**
 * A rule of the nft front end: its text and span are views of the source, made when read
 * (rule texts are read for the rules a page shows, not for the 100,000 others).
 * `toJSON` gives the plain Rule, text and span included.
 */
export class RuleNode extends Located implements Rule {
  declare index: number;
  declare statements: Statement[];
  declare comment?: string;
  declare handle?: number;
  #offset: number;
  #end: number;
  #where: LineIndex | Span | undefined;
  #text: string | undefined;

  constructor(statements: Statement[], offset: number, end: number, lines: LineIndex) {
    super();
    this.#offset = offset;
    this.#end = end;
    this.#where = lines;
    this.#text = undefined;
    this.index = 0;
    this.statements = statements;
  }

  get span(): Span | undefined {
    this.#where = spanAt(this.#offset, this.#end, this.#where);
    return this.#where;
  }

  set span(span: Span | undefined) {
    this.#where = span;
  }

  get text(): string {
    if (this.#text !== undefined) return this.#text;
    const s = this.span;
    return s instanceof SourceSpan ? s.source : '';
  }

  set text(text: string) {
    this.#text = text;
  }

  toJSON(): Rule {
    // The order of the plain rules this class replaced.
    const out: Rule = { index: this.index, statements: this.statements, text: this.text };
    const span = this.span;
    if (span) out.span = span;
    if (this.comment !== undefined) out.comment = this.comment;
    if (this.handle !== undefined) out.handle = this.handle;
    return out;
  }
}
