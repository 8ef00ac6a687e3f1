// The PromQL grammar as a Chevrotain parser with embedded actions.
//
// Binary expressions are read flat (operand op operand …) and folded into a tree by
// precedence afterwards, iteratively; unary signs are kept with their operand so that
// `-a ^ b` is `-(a ^ b)` while `-a * b` is `(-a) * b`, as in Prometheus.
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EmbeddedActionsParser } from "./chevrotain.js";
import type {
  AggregateExpr,
  AggregateOp,
  AtModifier,
  BinaryExpr,
  BinaryOp,
  Call,
  DurationExpr,
  Expr,
  LabelMatcher,
  MatchOp,
  MatrixSelector,
  NumberLiteral,
  SubqueryExpr,
  VectorSelector,
} from "./ast.js";
import * as T from "./tokens.js";
import type { FoldedToken } from "./fold.js";
import { durationToMs, maxDurationMs } from "./duration.js";
import { experimentalAggregations, lookupFunction } from "./functions.js";
import { isWellFormed, unquote } from "./strings.js";
import type { RawProblem } from "./errors.js";
import { compileAnchoredRe2 } from "./re2.js";

interface Operand {
  signs: IToken[];
  expr: Expr;
}

interface DurOperand {
  signs: IToken[];
  expr: DurationExpr;
}

interface FillMod {
  kind: TokenType;
  value: number;
  start: number;
  end: number;
}

interface BinMods {
  bool: boolean;
  hasMatching: boolean;
  on: boolean;
  labels: string[];
  card?: "many-to-one" | "one-to-many";
  include: string[];
  fills: FillMod[];
}

interface ArgList {
  args: Expr[];
  end: number;
}

interface Grouping {
  without: boolean;
  labels: string[];
  end: number;
}

interface LabelList {
  names: string[];
  end: number;
}

interface RawMatcher {
  name: string;
  op?: MatchOp;
  value: string;
  /** A lone quoted name inside braces: `{"my.metric"}`. */
  isName: boolean;
  start: number;
  end: number;
}

interface MatcherList {
  matchers: RawMatcher[];
  start: number;
  end: number;
}

type AtValue = { at: AtModifier; end: number; start: number };

/** Binary operators by precedence, lowest first. `^` is handled apart (right-associative). */
const precedence = new Map<string, number>([
  ["or", 1],
  ["and", 2],
  ["unless", 2],
  ["==", 3],
  ["!=", 3],
  ["<=", 3],
  ["<", 3],
  [">=", 3],
  [">", 3],
  ["+", 4],
  ["-", 4],
  ["*", 5],
  ["/", 5],
  ["%", 5],
  ["atan2", 5],
  ["</", 5],
  [">/", 5],
]);

const durPrecedence = new Map<string, number>([
  ["+", 1],
  ["-", 1],
  ["*", 2],
  ["/", 2],
  ["%", 2],
]);

const aggStart = new Set<TokenType>([T.LParen, T.By, T.Without]);

const ruleContext: Record<string, string> = {
  labelMatchers: " in label matching",
  matcher: " in label matching",
  labelList: " in grouping opts",
  labelName: " in grouping opts",
  grouping: " in grouping opts",
  aggregation: " in aggregation",
  callArgs: " in function call",
  durationExpr: " in duration expression",
  durAtom: " in duration expression",
  durUnary: " in duration expression",
  atValue: " in @ modifier",
  fillValue: " in fill modifier",
  binModifiers: " in binary modifiers",
};

/** How Prometheus names a token in "unexpected …" messages. */
export function describeToken(t: IToken): string {
  const type = t.tokenType;
  if (type === undefined || type.name === "EOF") return "end of input";
  if (type === T.NumberTok) return `number ${JSON.stringify(t.image)}`;
  if (type === T.DurationTok) return `duration ${JSON.stringify(t.image)}`;
  if (type === T.StringTok) return `string ${JSON.stringify(t.image)}`;
  if (type === T.Identifier || type === T.MetricIdentifier) return `identifier ${JSON.stringify(t.image)}`;
  if (T.keywords.has(t.image.toLowerCase())) return `keyword ${JSON.stringify(t.image)}`;
  return JSON.stringify(t.image);
}

function expectedLabel(t: TokenType): string {
  return (t as { LABEL?: string }).LABEL ?? t.name;
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    return `unexpected ${describeToken(actual)}${ruleContext[ruleName] ?? ""}, expected ${expectedLabel(expected)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    const t = actual[0];
    const what = t === undefined ? "end of input" : describeToken(t);
    return `unexpected ${what}${ruleContext[ruleName] ?? ""}`;
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    const t = actual[0];
    return `unexpected ${t === undefined ? "end of input" : describeToken(t)}${ruleContext[ruleName] ?? ""}`;
  },
};

function end(t: IToken): number {
  return t.startOffset + t.image.length;
}

/** The value of a number token, as Prometheus reads it (Go ParseInt base 0, then ParseFloat). */
export function numberValue(image: string): number | undefined {
  const lower = image.toLowerCase();
  if (lower === "inf") return Infinity;
  if (lower === "nan") return NaN;
  if (lower.startsWith("0x")) {
    const digits = lower.slice(2);
    if (digits.length === 0 || digits.length > 16 || !/^[0-9a-f]+$/.test(digits)) return undefined;
    const v = parseInt(digits, 16);
    return v < 2 ** 63 ? v : undefined;
  }
  if (/^0[0-7]+$/.test(image)) return parseInt(image, 8);
  const v = Number(image);
  return Number.isNaN(v) ? undefined : v;
}

export interface ParserState {
  experimental: boolean;
  problems: RawProblem[];
  /** Binary expressions where on/ignoring/group_x/fill was written. */
  withModifiers: Set<BinaryExpr>;
}

export class PromQLParser extends EmbeddedActionsParser {
  state: ParserState = { experimental: true, problems: [], withModifiers: new Set() };

  constructor() {
    super(T.allTokens, { maxLookahead: 3, recoveryEnabled: false, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  private problem(message: string, start: number, endOffset: number): void {
    this.state.problems.push({ message, start, end: endOffset });
  }

  private requireExperimental(feature: string, start: number, endOffset: number): void {
    if (!this.state.experimental) this.problem(`${feature} is experimental and not enabled`, start, endOffset);
  }

  // ---------------------------------------------------------------- expressions

  public expression = this.RULE("expression", (): Expr => {
    const operands: Operand[] = [];
    const ops: { tok: IToken; mods: BinMods }[] = [];
    operands.push(this.SUBRULE(this.unary));
    this.MANY(() => {
      const tok = this.CONSUME(T.BinOp);
      const mods = this.SUBRULE(this.binModifiers);
      const rhs = this.SUBRULE2(this.unary);
      this.ACTION(() => {
        ops.push({ tok, mods });
        operands.push(rhs);
      });
    });
    return this.ACTION(() => this.buildBinary(operands, ops));
  });

  private binModifiers = this.RULE("binModifiers", (): BinMods => {
    const mods: BinMods = { bool: false, hasMatching: false, on: false, labels: [], include: [], fills: [] };
    this.OPTION(() => {
      this.CONSUME(T.Bool);
      mods.bool = true;
    });
    this.OPTION2(() => {
      const t = this.OR([{ ALT: () => this.CONSUME(T.On) }, { ALT: () => this.CONSUME(T.Ignoring) }]);
      const list = this.SUBRULE(this.labelList);
      this.ACTION(() => {
        mods.hasMatching = true;
        mods.on = t.tokenType === T.On;
        mods.labels = list.names;
      });
      this.OPTION3(() => {
        const g = this.OR2([{ ALT: () => this.CONSUME(T.GroupLeft) }, { ALT: () => this.CONSUME(T.GroupRight) }]);
        this.ACTION(() => {
          mods.card = g.tokenType === T.GroupLeft ? "many-to-one" : "one-to-many";
        });
        this.OPTION4(() => {
          const include = this.SUBRULE2(this.labelList);
          this.ACTION(() => {
            mods.include = include.names;
          });
        });
      });
    });
    this.MANY({
      // `fill` without "(" is a metric name on the right-hand side.
      GATE: () => this.LA(2).tokenType === T.LParen,
      DEF: () => {
        const f = this.OR3([
          { ALT: () => this.CONSUME(T.Fill) },
          { ALT: () => this.CONSUME(T.FillLeft) },
          { ALT: () => this.CONSUME(T.FillRight) },
        ]);
        this.CONSUME(T.LParen);
        const value = this.SUBRULE(this.fillValue);
        const r = this.CONSUME(T.RParen);
        this.ACTION(() => mods.fills.push({ kind: f.tokenType, value, start: f.startOffset, end: end(r) }));
      },
    });
    return mods;
  });

  private fillValue = this.RULE("fillValue", (): number => {
    let sign = 1;
    this.OPTION(() =>
      this.OR([
        { ALT: () => this.CONSUME(T.Plus) },
        {
          ALT: () => {
            this.CONSUME(T.Minus);
            sign = -1;
          },
        },
      ]),
    );
    const t = this.OR2([{ ALT: () => this.CONSUME(T.NumberTok) }, { ALT: () => this.CONSUME(T.DurationTok) }]);
    return this.ACTION(() => sign * this.numberOrDurationSeconds(t));
  });

  private unary = this.RULE("unary", (): Operand => {
    const signs: IToken[] = [];
    this.MANY(() => {
      signs.push(this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]));
    });
    const expr = this.SUBRULE(this.postfix);
    return { signs, expr };
  });

  private postfix = this.RULE("postfix", (): Expr => {
    let e = this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            const lb = this.CONSUME(T.LBracket);
            const range = this.SUBRULE(this.durationExpr);
            let isSubquery = false;
            let step: DurationExpr | undefined;
            this.OPTION(() => {
              this.CONSUME(T.Colon);
              isSubquery = true;
              this.OPTION2(() => {
                step = this.SUBRULE2(this.durationExpr);
              });
            });
            const rb = this.CONSUME(T.RBracket);
            this.ACTION(() => {
              e = this.applyRange(e, lb, range, isSubquery, step, rb);
            });
          },
        },
        {
          ALT: () => {
            const o = this.CONSUME(T.Offset);
            const d = this.SUBRULE(this.durUnary);
            this.ACTION(() => {
              e = this.applyOffset(e, o, d);
            });
          },
        },
        {
          ALT: () => {
            const a = this.CONSUME(T.At);
            const v = this.SUBRULE(this.atValue);
            this.ACTION(() => {
              e = this.applyAt(e, a, v);
            });
          },
        },
        {
          ALT: () => {
            const t = this.OR2([{ ALT: () => this.CONSUME(T.Anchored) }, { ALT: () => this.CONSUME(T.Smoothed) }]);
            this.ACTION(() => {
              e = this.applyExtended(e, t);
            });
          },
        },
      ]);
    });
    return e;
  });

  private primary = this.RULE("primary", (): Expr =>
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            const t = this.CONSUME(T.Folded);
            return this.ACTION((): Expr => (t as FoldedToken).expr);
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.NumberTok);
            return this.ACTION((): Expr => this.numberLiteral(t));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.DurationTok);
            return this.ACTION((): Expr => this.numberLiteral(t));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.StringTok);
            return this.ACTION((): Expr => ({ type: "StringLiteral", value: this.unquoteToken(t), pos: { start: t.startOffset, end: end(t) } }));
          },
        },
        {
          ALT: () => {
            const l = this.CONSUME(T.LParen);
            const inner = this.SUBRULE(this.expression);
            const r = this.CONSUME(T.RParen);
            return this.ACTION((): Expr => ({ type: "ParenExpr", expr: inner, pos: { start: l.startOffset, end: end(r) } }));
          },
        },
        { GATE: () => aggStart.has(this.LA(2).tokenType), ALT: () => this.SUBRULE(this.aggregation) },
        { GATE: () => this.LA(2).tokenType === T.LParen, ALT: () => this.SUBRULE(this.call) },
        { ALT: () => this.SUBRULE(this.vectorSelector) },
      ],
    }),
  );

  private aggregation = this.RULE("aggregation", (): Expr => {
    const op = this.CONSUME(T.AggOp);
    let grouping: Grouping | undefined;
    let groupingAfter = false;
    this.OPTION(() => {
      grouping = this.SUBRULE(this.grouping);
    });
    const args = this.SUBRULE(this.callArgs);
    this.OPTION2({
      GATE: () => grouping === undefined,
      DEF: () => {
        grouping = this.SUBRULE2(this.grouping);
        groupingAfter = true;
      },
    });
    return this.ACTION(() => this.buildAggregate(op, grouping, args, groupingAfter ? grouping!.end : args.end));
  });

  private grouping = this.RULE("grouping", (): Grouping => {
    const t = this.OR([{ ALT: () => this.CONSUME(T.By) }, { ALT: () => this.CONSUME(T.Without) }]);
    const list = this.SUBRULE(this.labelList);
    return this.ACTION(() => ({ without: t.tokenType === T.Without, labels: list.names, end: list.end }));
  });

  private call = this.RULE("call", (): Expr => {
    const name = this.CONSUME(T.FunctionName);
    const args = this.SUBRULE(this.callArgs);
    return this.ACTION(() => this.buildCall(name, args));
  });

  private callArgs = this.RULE("callArgs", (): ArgList => {
    const args: Expr[] = [];
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      args.push(this.SUBRULE(this.expression));
      this.MANY(() => {
        const comma = this.CONSUME(T.Comma);
        let present = false;
        this.OPTION2(() => {
          args.push(this.SUBRULE2(this.expression));
          present = true;
        });
        this.ACTION(() => {
          if (!present) this.problem("trailing commas not allowed in function call args", comma.startOffset, end(comma));
        });
      });
    });
    const r = this.CONSUME(T.RParen);
    return { args, end: end(r) };
  });

  private labelList = this.RULE("labelList", (): LabelList => {
    const names: string[] = [];
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      names.push(this.SUBRULE(this.labelName));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RParen,
        DEF: () => {
          this.CONSUME(T.Comma);
          names.push(this.SUBRULE2(this.labelName));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    const r = this.CONSUME(T.RParen);
    return { names, end: end(r) };
  });

  private labelName = this.RULE("labelName", (): string =>
    this.OR([
      { ALT: () => this.CONSUME(T.LabelName).image },
      {
        ALT: () => {
          const t = this.CONSUME(T.StringTok);
          return this.ACTION(() => {
            const name = this.unquoteToken(t);
            if (name === "" || !isWellFormed(name)) this.problem(`invalid label name ${JSON.stringify(name)}`, t.startOffset, end(t));
            return name;
          });
        },
      },
    ]),
  );

  // ---------------------------------------------------------------- selectors

  public vectorSelector = this.RULE("vectorSelector", (): VectorSelector =>
    this.OR([
      {
        ALT: () => {
          const name = this.CONSUME(T.MetricName);
          let list: MatcherList | undefined;
          this.OPTION(() => {
            list = this.SUBRULE(this.labelMatchers);
          });
          return this.ACTION(() => this.buildSelector(name, list));
        },
      },
      {
        ALT: () => {
          const list = this.SUBRULE2(this.labelMatchers);
          return this.ACTION(() => this.buildSelector(undefined, list));
        },
      },
    ]),
  );

  private labelMatchers = this.RULE("labelMatchers", (): MatcherList => {
    const matchers: RawMatcher[] = [];
    const l = this.CONSUME(T.LBrace);
    this.OPTION(() => {
      matchers.push(this.SUBRULE(this.matcher));
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RBrace,
        DEF: () => {
          this.CONSUME(T.Comma);
          matchers.push(this.SUBRULE2(this.matcher));
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    const r = this.CONSUME(T.RBrace);
    return { matchers, start: l.startOffset, end: end(r) };
  });

  private matcher = this.RULE("matcher", (): RawMatcher =>
    this.OR([
      {
        ALT: () => {
          const n = this.CONSUME(T.Identifier);
          const op = this.CONSUME(T.MatchOp);
          const v = this.CONSUME(T.StringTok);
          return this.ACTION(() => ({
            name: n.image,
            op: op.image as MatchOp,
            value: this.unquoteToken(v),
            isName: false,
            start: n.startOffset,
            end: end(v),
          }));
        },
      },
      {
        ALT: () => {
          const n = this.CONSUME2(T.StringTok);
          let op: IToken | undefined;
          let v: IToken | undefined;
          this.OPTION(() => {
            op = this.CONSUME2(T.MatchOp);
            v = this.CONSUME3(T.StringTok);
          });
          return this.ACTION(() => {
            const name = this.unquoteToken(n);
            if (op === undefined || v === undefined) {
              return { name: "__name__", op: "=" as MatchOp, value: name, isName: true, start: n.startOffset, end: end(n) };
            }
            if (!isWellFormed(name)) this.problem(`invalid label name ${JSON.stringify(name)}`, n.startOffset, end(n));
            return { name, op: op.image as MatchOp, value: this.unquoteToken(v), isName: false, start: n.startOffset, end: end(v) };
          });
        },
      },
    ]),
  );

  // ---------------------------------------------------------------- durations

  public durationExpr = this.RULE("durationExpr", (): DurationExpr => {
    const operands: DurOperand[] = [];
    const ops: IToken[] = [];
    operands.push(this.SUBRULE(this.durUnary));
    this.MANY(() => {
      const op = this.CONSUME(T.DurOp);
      const rhs = this.SUBRULE2(this.durUnary);
      this.ACTION(() => {
        ops.push(op);
        operands.push(rhs);
      });
    });
    return this.ACTION(() => this.buildDurationBinary(operands, ops));
  });

  private durUnary = this.RULE("durUnary", (): DurOperand => {
    const signs: IToken[] = [];
    this.MANY(() => {
      signs.push(this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]));
    });
    const expr = this.SUBRULE(this.durAtom);
    return { signs, expr };
  });

  private durAtom = this.RULE("durAtom", (): DurationExpr =>
    this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.NumberTok);
          return this.ACTION(() => this.durationLiteral(t, true));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.DurationTok);
          return this.ACTION(() => this.durationLiteral(t, false));
        },
      },
      {
        ALT: () => {
          const l = this.CONSUME(T.LParen);
          const inner = this.SUBRULE(this.durationExpr);
          const r = this.CONSUME(T.RParen);
          return this.ACTION((): DurationExpr => ({ type: "DurationParen", expr: inner, pos: { start: l.startOffset, end: end(r) } }));
        },
      },
      {
        ALT: () => {
          const f = this.OR2([{ ALT: () => this.CONSUME(T.Step) }, { ALT: () => this.CONSUME(T.Range) }]);
          this.CONSUME2(T.LParen);
          const r = this.CONSUME2(T.RParen);
          return this.ACTION(
            (): DurationExpr => ({
              type: "DurationCall",
              func: f.tokenType === T.Step ? "step" : "range",
              args: [],
              pos: { start: f.startOffset, end: end(r) },
            }),
          );
        },
      },
      {
        ALT: () => {
          const f = this.OR3([{ ALT: () => this.CONSUME(T.MinOf) }, { ALT: () => this.CONSUME(T.MaxOf) }]);
          this.CONSUME3(T.LParen);
          const a = this.SUBRULE2(this.durationExpr);
          this.CONSUME(T.Comma);
          const b = this.SUBRULE3(this.durationExpr);
          const r = this.CONSUME3(T.RParen);
          return this.ACTION(
            (): DurationExpr => ({
              type: "DurationCall",
              func: f.tokenType === T.MinOf ? "min_of" : "max_of",
              args: [a, b],
              pos: { start: f.startOffset, end: end(r) },
            }),
          );
        },
      },
    ]),
  );

  private atValue = this.RULE("atValue", (): AtValue =>
    this.OR([
      {
        ALT: () => {
          let sign = 1;
          let first: IToken | undefined;
          this.OPTION(() => {
            first = this.OR2([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]);
          });
          const t = this.OR3([{ ALT: () => this.CONSUME(T.NumberTok) }, { ALT: () => this.CONSUME(T.DurationTok) }]);
          return this.ACTION((): AtValue => {
            if (first?.tokenType === T.Minus) sign = -1;
            const start = first?.startOffset ?? t.startOffset;
            const seconds = sign * this.numberOrDurationSeconds(t);
            if (!Number.isFinite(seconds) || Math.abs(seconds) >= 9223372036854775807) {
              this.problem(`timestamp out of bounds for @ modifier: ${seconds}`, start, end(t));
            }
            return { at: { kind: "timestamp", ms: Math.round(seconds * 1000) }, start, end: end(t) };
          });
        },
      },
      {
        ALT: () => {
          const f = this.OR4([{ ALT: () => this.CONSUME(T.Start) }, { ALT: () => this.CONSUME(T.End) }]);
          this.CONSUME(T.LParen);
          const r = this.CONSUME(T.RParen);
          return this.ACTION((): AtValue => ({ at: { kind: f.tokenType === T.Start ? "start" : "end" }, start: f.startOffset, end: end(r) }));
        },
      },
    ]),
  );

  // ---------------------------------------------------------------- actions

  private unquoteToken(t: IToken): string {
    const r = unquote(t.image);
    if (r.ok) return r.value;
    this.problem(`error unquoting string ${t.image}: ${r.message}`, t.startOffset + r.offset, end(t));
    return "";
  }

  private numberOrDurationSeconds(t: IToken): number {
    if (t.tokenType === T.DurationTok) return (durationToMs(t.image) ?? 0) / 1000;
    const v = numberValue(t.image);
    if (v === undefined) {
      this.problem(`error parsing number: ${JSON.stringify(t.image)} is not a valid number`, t.startOffset, end(t));
      return 0;
    }
    return v;
  }

  private numberLiteral(t: IToken): NumberLiteral {
    return { type: "NumberLiteral", value: this.numberOrDurationSeconds(t), pos: { start: t.startOffset, end: end(t) } };
  }

  private durationLiteral(t: IToken, isNumber: boolean): DurationExpr {
    const seconds = this.numberOrDurationSeconds(t);
    if (isNumber && !(Math.abs(seconds) * 1000 <= maxDurationMs)) this.problem("duration out of range", t.startOffset, end(t));
    return { type: "DurationLiteral", seconds, isNumber, pos: { start: t.startOffset, end: end(t) } };
  }

  private applySigns(signs: IToken[], e: Expr): Expr {
    for (let i = signs.length - 1; i >= 0; i--) {
      const s = signs[i]!;
      const op = s.tokenType === T.Minus ? "-" : "+";
      const pos = { start: s.startOffset, end: e.pos.end };
      // A sign on a number literal is folded into it, as Prometheus does.
      e = e.type === "NumberLiteral" ? { type: "NumberLiteral", value: op === "-" ? -e.value : e.value, pos } : { type: "UnaryExpr", op, expr: e, pos };
    }
    return e;
  }

  private makeBinary(lhs: Expr, tok: IToken, mods: BinMods, rhs: Expr): BinaryExpr {
    const op = tok.image.toLowerCase() as BinaryOp;
    const bin: BinaryExpr = {
      type: "BinaryExpr",
      op,
      lhs,
      rhs,
      matching: {
        card: mods.card ?? "one-to-one",
        on: mods.on,
        hasMatchingClause: mods.hasMatching,
        matchingLabels: mods.labels,
        include: mods.include,
      },
      returnBool: mods.bool,
      pos: { start: lhs.pos.start, end: rhs.pos.end },
    };
    if (mods.fills.length > 0) {
      const m = bin.matching!;
      this.requireExperimental("binop fill modifiers", mods.fills[0]!.start, mods.fills[mods.fills.length - 1]!.end);
      for (const f of mods.fills) {
        const left = f.kind === T.Fill || f.kind === T.FillLeft;
        const right = f.kind === T.Fill || f.kind === T.FillRight;
        if ((left && m.fillLeft !== undefined) || (right && m.fillRight !== undefined)) {
          this.problem("fill value may not be set multiple times", f.start, f.end);
        }
        if (left) m.fillLeft = f.value;
        if (right) m.fillRight = f.value;
      }
    }
    if (mods.hasMatching || mods.card !== undefined || mods.fills.length > 0) this.state.withModifiers.add(bin);
    return bin;
  }

  private buildBinary(operands: Operand[], ops: { tok: IToken; mods: BinMods }[]): Expr {
    // 1. Right-associative `^` chains, with each operand's signs applied over the rest of its chain.
    const groups: Expr[] = [];
    const groupOps: { tok: IToken; mods: BinMods }[] = [];
    let i = 0;
    while (i < operands.length) {
      let j = i;
      while (j < ops.length && ops[j]!.tok.tokenType === T.Pow) j++;
      let acc = this.applySigns(operands[j]!.signs, operands[j]!.expr);
      for (let k = j - 1; k >= i; k--) {
        acc = this.makeBinary(operands[k]!.expr, ops[k]!.tok, ops[k]!.mods, acc);
        acc = this.applySigns(operands[k]!.signs, acc);
      }
      groups.push(acc);
      if (j < ops.length) groupOps.push(ops[j]!);
      i = j + 1;
    }
    // 2. Left-associative operators by precedence (shunting-yard, no recursion).
    const out: Expr[] = [groups[0]!];
    const stack: { tok: IToken; mods: BinMods }[] = [];
    const prec = (t: IToken): number => precedence.get(t.image.toLowerCase()) ?? 0;
    const reduce = (): void => {
      const op = stack.pop()!;
      const rhs = out.pop()!;
      const lhs = out.pop()!;
      out.push(this.makeBinary(lhs, op.tok, op.mods, rhs));
    };
    for (let k = 0; k < groupOps.length; k++) {
      const op = groupOps[k]!;
      while (stack.length > 0 && prec(stack[stack.length - 1]!.tok) >= prec(op.tok)) reduce();
      stack.push(op);
      out.push(groups[k + 1]!);
    }
    while (stack.length > 0) reduce();
    return out[0]!;
  }

  private applyDurSigns(signs: IToken[], e: DurationExpr): DurationExpr {
    for (let i = signs.length - 1; i >= 0; i--) {
      const s = signs[i]!;
      const op = s.tokenType === T.Minus ? "-" : "+";
      const pos = { start: s.startOffset, end: e.pos.end };
      e =
        e.type === "DurationLiteral"
          ? { type: "DurationLiteral", seconds: op === "-" ? -e.seconds : e.seconds, isNumber: e.isNumber, pos }
          : { type: "DurationUnary", op, expr: e, pos };
    }
    return e;
  }

  private buildDurationBinary(operands: DurOperand[], ops: IToken[]): DurationExpr {
    const bin = (lhs: DurationExpr, op: IToken, rhs: DurationExpr): DurationExpr => ({
      type: "DurationBinary",
      op: op.image as "+" | "-" | "*" | "/" | "%" | "^",
      lhs,
      rhs,
      pos: { start: lhs.pos.start, end: rhs.pos.end },
    });
    const groups: DurationExpr[] = [];
    const groupOps: IToken[] = [];
    let i = 0;
    while (i < operands.length) {
      let j = i;
      while (j < ops.length && ops[j]!.tokenType === T.Pow) j++;
      let acc = this.applyDurSigns(operands[j]!.signs, operands[j]!.expr);
      for (let k = j - 1; k >= i; k--) acc = this.applyDurSigns(operands[k]!.signs, bin(operands[k]!.expr, ops[k]!, acc));
      groups.push(acc);
      if (j < ops.length) groupOps.push(ops[j]!);
      i = j + 1;
    }
    const out: DurationExpr[] = [groups[0]!];
    const stack: IToken[] = [];
    const reduce = (): void => {
      const op = stack.pop()!;
      const rhs = out.pop()!;
      const lhs = out.pop()!;
      out.push(bin(lhs, op, rhs));
    };
    for (let k = 0; k < groupOps.length; k++) {
      const op = groupOps[k]!;
      while (stack.length > 0 && durPrecedence.get(stack[stack.length - 1]!.image)! >= durPrecedence.get(op.image)!) reduce();
      stack.push(op);
      out.push(groups[k + 1]!);
    }
    while (stack.length > 0) reduce();
    return out[0]!;
  }

  private checkDurationExperimental(d: DurationExpr): void {
    if (d.type !== "DurationLiteral") this.requireExperimental("duration expression", d.pos.start, d.pos.end);
  }

  private applyRange(e: Expr, lb: IToken, range: DurationExpr, isSubquery: boolean, step: DurationExpr | undefined, rb: IToken): Expr {
    this.checkDurationExperimental(range);
    if (step !== undefined) this.checkDurationExperimental(step);
    const pos = { start: e.pos.start, end: end(rb) };
    if (isSubquery) {
      const sq: SubqueryExpr = { type: "SubqueryExpr", expr: e, range, pos };
      if (step !== undefined) sq.step = step;
      return sq;
    }
    let err: string | undefined;
    if (e.type !== "VectorSelector") err = "ranges only allowed for vector selectors";
    else if (e.offset !== undefined) err = "no offset modifiers allowed before range";
    else if (e.at !== undefined) err = "no @ modifiers allowed before range";
    if (err !== undefined || e.type !== "VectorSelector") {
      this.problem(err ?? "ranges only allowed for vector selectors", lb.startOffset, end(rb));
      return e;
    }
    const ms: MatrixSelector = { type: "MatrixSelector", vectorSelector: e, range, pos };
    return ms;
  }

  private applyOffset(e: Expr, o: IToken, arg: DurOperand): Expr {
    const d = this.applyDurSigns(arg.signs, arg.expr);
    this.checkDurationExperimental(d);
    const target = e.type === "MatrixSelector" ? e.vectorSelector : e.type === "VectorSelector" || e.type === "SubqueryExpr" ? e : undefined;
    if (target === undefined) {
      this.problem("offset modifier must be preceded by an instant vector selector or range vector selector or a subquery", o.startOffset, d.pos.end);
      return e;
    }
    if (target.offset !== undefined) this.problem("offset may not be set multiple times", o.startOffset, d.pos.end);
    target.offset = d;
    e.pos = { start: e.pos.start, end: d.pos.end };
    return e;
  }

  private applyAt(e: Expr, a: IToken, v: AtValue): Expr {
    const target = e.type === "MatrixSelector" ? e.vectorSelector : e.type === "VectorSelector" || e.type === "SubqueryExpr" ? e : undefined;
    if (target === undefined) {
      this.problem("@ modifier must be preceded by an instant vector selector or range vector selector or a subquery", a.startOffset, v.end);
      return e;
    }
    if (target.at !== undefined) this.problem("@ <timestamp> may not be set multiple times", a.startOffset, v.end);
    target.at = v.at;
    e.pos = { start: e.pos.start, end: v.end };
    return e;
  }

  private applyExtended(e: Expr, t: IToken): Expr {
    const name = t.tokenType === T.Anchored ? "anchored" : "smoothed";
    this.requireExperimental(`${name} modifier`, t.startOffset, end(t));
    if (e.type === "SubqueryExpr") {
      this.problem(`${name} modifier is not supported for subqueries`, t.startOffset, end(t));
      return e;
    }
    const vs = e.type === "MatrixSelector" ? e.vectorSelector : e.type === "VectorSelector" ? e : undefined;
    if (vs === undefined) {
      this.problem(`${name} modifier must be preceded by an instant vector selector or range vector selector`, t.startOffset, end(t));
      return e;
    }
    if (name === "anchored") vs.anchored = true;
    else vs.smoothed = true;
    if (vs.anchored && vs.smoothed) this.problem("anchored and smoothed modifiers cannot be used together", t.startOffset, end(t));
    e.pos = { start: e.pos.start, end: end(t) };
    return e;
  }

  /** A matcher regex that Prometheus would not compile is a parse error over the whole matcher. */
  private checkMatcherRegex(m: RawMatcher): void {
    const compiled = compileAnchoredRe2(m.value);
    if ("error" in compiled) this.problem(compiled.error, m.start, m.end);
  }

  private buildSelector(nameTok: IToken | undefined, list: MatcherList | undefined): VectorSelector {
    const matchers: LabelMatcher[] = [];
    let name = "";
    let nameMatcher: LabelMatcher | undefined;
    let start = nameTok?.startOffset ?? list?.start ?? 0;
    const endOffset = list?.end ?? (nameTok === undefined ? start : end(nameTok));
    // A name outside the braces set again inside is reported over the whole selector, as Prometheus's checkAST does.
    const selectorStart = Math.min(start, list?.start ?? start);
    const twiceAt = (at: number, atEnd: number): [number, number] => (nameTok !== undefined ? [selectorStart, endOffset] : [at, atEnd]);
    const setName = (n: string, at: number, atEnd: number): void => {
      if (nameMatcher !== undefined) {
        this.problem(`metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(n)}`, ...twiceAt(at, atEnd));
        return;
      }
      name = n;
      nameMatcher = { name: "__name__", op: "=", value: n };
    };
    if (nameTok !== undefined) setName(nameTok.image, nameTok.startOffset, end(nameTok));
    let explicitName: RawMatcher | undefined;
    for (const m of list?.matchers ?? []) {
      if (m.isName) {
        setName(m.value, m.start, m.end);
        continue;
      }
      if (m.name === "__name__") explicitName = m;
      if (m.op === "=~" || m.op === "!~") this.checkMatcherRegex(m);
      matchers.push({ name: m.name, op: m.op!, value: m.value });
    }
    if (nameMatcher !== undefined && explicitName !== undefined) {
      this.problem(`metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(explicitName.value)}`, ...twiceAt(explicitName.start, explicitName.end));
    }
    // The matcher implied by the name comes last, as in Prometheus.
    if (nameMatcher !== undefined) matchers.push(nameMatcher);
    start = Math.min(start, list?.start ?? start);
    return { type: "VectorSelector", name, matchers, anchored: false, smoothed: false, pos: { start, end: endOffset } };
  }

  private buildAggregate(opTok: IToken, grouping: Grouping | undefined, args: ArgList, endOffset: number): Expr {
    const op = opTok.image.toLowerCase() as AggregateOp;
    const pos = { start: opTok.startOffset, end: endOffset };
    const agg: AggregateExpr = {
      type: "AggregateExpr",
      op,
      expr: args.args[args.args.length - 1] ?? { type: "NumberLiteral", value: 0, pos },
      grouping: grouping?.labels ?? [],
      without: grouping?.without ?? false,
      hasGrouping: grouping !== undefined,
      pos,
    };
    if (experimentalAggregations.has(op)) this.requireExperimental(`${op}()`, opTok.startOffset, end(opTok));
    const withParam = op === "topk" || op === "bottomk" || op === "quantile" || op === "count_values" || op === "limitk" || op === "limit_ratio";
    if (args.args.length === 0) {
      this.problem("no arguments for aggregate expression provided", pos.start, pos.end);
      return agg;
    }
    const want = withParam ? 2 : 1;
    if (args.args.length !== want) {
      this.problem(`wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.args.length}`, pos.start, pos.end);
      return agg;
    }
    if (withParam) agg.param = args.args[0]!;
    return agg;
  }

  private buildCall(nameTok: IToken, args: ArgList): Expr {
    const name = nameTok.image;
    const info = lookupFunction(name);
    if (info === undefined) this.problem(`unknown function with name ${JSON.stringify(name)}`, nameTok.startOffset, end(nameTok));
    else if (info.experimental) this.requireExperimental(`function ${JSON.stringify(name)}`, nameTok.startOffset, end(nameTok));
    const c: Call = { type: "Call", func: name, args: args.args, pos: { start: nameTok.startOffset, end: args.end } };
    return c;
  }
}
