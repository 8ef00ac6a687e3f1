// Parse errors: every problem found, each with its position in the input.

export interface SourcePos {
  /** Offset in UTF-16 code units. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-8 bytes from the start of the line, as Prometheus counts. */
  column: number;
}

export interface ParseProblem {
  message: string;
  pos: SourcePos;
  end?: SourcePos;
}

/** Line and column of an offset (computed only when an error is reported). */
export function sourcePos(input: string, offset: number): SourcePos {
  const o = Math.max(0, Math.min(offset, input.length));
  let line = 1;
  let lineStart = 0;
  for (let i = input.indexOf("\n"); i >= 0 && i < o; i = input.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { offset: o, line, column: utf8Length(input, lineStart, o) + 1 };
}

/** Bytes the UTF-8 encoding of input[from, to) takes (a lone surrogate as U+FFFD's three). */
function utf8Length(input: string, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const c = input.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to && (input.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export class ParseError extends Error {
  override name = "ParseError";
  readonly errors: ParseProblem[];
  readonly input: string;

  constructor(input: string, errors: ParseProblem[]) {
    const first = errors[0];
    super(first === undefined ? "parse error" : `${first.pos.line}:${first.pos.column}: parse error: ${first.message}`);
    this.input = input;
    this.errors = errors;
  }
}

/** A problem found while parsing, before line/column are known. */
export interface RawProblem {
  message: string;
  start: number;
  end: number;
}

export function toParseError(input: string, problems: RawProblem[]): ParseError {
  const sorted = problems.slice().sort((a, b) => a.start - b.start);
  return new ParseError(
    input,
    sorted.map((p) => ({ message: p.message, pos: sourcePos(input, p.start), end: sourcePos(input, p.end) })),
  );
}
