// Parse errors: every problem found, each with its position in the input.

export interface SourcePos {
  /** Offset in UTF-16 code units. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units from the start of the line. */
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
  return { offset: o, line, column: o - lineStart + 1 };
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
