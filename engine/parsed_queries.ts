// The ASTs of recently parsed queries by their text, least recently used first. Nothing changes an
// AST once parsed (the planner builds its own nodes, as the ruler's held ASTs rely on), so one
// serves every query with that text.
import type { Expr } from "../promql/index.js";

export class ParsedQueries {
  private readonly kept = new Map<string, Expr>();

  constructor(
    private readonly maxEntries: number,
    /** Longer query texts are parsed every time, not kept. */
    private readonly maxChars: number,
  ) {}

  /** The AST kept for the query, else parse()'s (kept when it parses). */
  get(query: string, parse: () => Expr): Expr {
    const expr = this.kept.get(query);
    if (expr !== undefined) {
      // To the most recently used end.
      this.kept.delete(query);
      this.kept.set(query, expr);
      return expr;
    }
    const parsed = parse();
    if (query.length > this.maxChars || this.maxEntries <= 0) return parsed;
    if (this.kept.size >= this.maxEntries) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(query, parsed);
    return parsed;
  }

  get size(): number {
    return this.kept.size;
  }
}
