// label_replace and label_join: rewrite each input series' labels once, before any step.
import { compileAnchoredRe2, isWellFormed } from "../../promql/index.js";
import { badData, execution } from "../errors.js";
import type { QueryContext } from "../exec/context.js";
import { getLabel, goQuote, METRIC_NAME, setLabel } from "../../storeapi/index.js";
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function checkLabelName(name: string, fn: string): void {
  if (name === "" || !isValidLabelName(name)) throw badData(`invalid label name ${goQuote(name)}` + (fn ? ` in ${fn}()` : ""));
}

function isValidLabelName(name: string): boolean {
  // Prometheus 3 accepts any UTF-8 name; reject only what cannot be one (a lone surrogate).
  return LABEL_NAME.test(name) || isWellFormed(name);
}

/**
 * Go regexp.Expand: $1, ${1}, $name, ${name}, $$; an unknown or empty name expands to "".
 * groupNames are the RE2 names of the capture groups in order ("" when unnamed).
 */
export function expandTemplate(template: string, m: RegExpExecArray, groupNames: readonly string[]): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== "$" || i + 1 >= template.length) {
      out += c;
      continue;
    }
    if (template[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string;
    if (template[i + 1] === "{") {
      const close = template.indexOf("}", i + 2);
      if (close < 0) {
        out += c;
        continue;
      }
      name = template.slice(i + 2, close);
      if (!/^[a-zA-Z0-9_]+$/.test(name)) {
        out += c;
        continue;
      }
      i = close;
    } else {
      const mm = /^[a-zA-Z0-9_]+/.exec(template.slice(i + 1));
      if (mm === null) {
        out += c;
        continue;
      }
      name = mm[0];
      i += name.length;
    }
    if (/^[0-9]+$/.test(name)) out += m[Number(name)] ?? "";
    else {
      const group = groupNames.indexOf(name); // Go takes the first group of that name
      if (group >= 0) out += m[group + 1] ?? "";
    }
  }
  return out;
}

export class RelabelOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;

  constructor(
    private readonly input: Operator,
    private readonly name: string,
    private readonly rewrite: (m: SeriesMeta) => SeriesMeta,
  ) {}

  async series(): Promise<readonly SeriesMeta[]> {
    if (this.meta === undefined) this.meta = (await this.input.series()).map(this.rewrite);
    return this.meta;
  }

  async next(): Promise<StepVector[] | null> {
    await this.series();
    return this.input.next();
  }

  explain(): Explain {
    return { name: `[function] ${this.name}`, children: [this.input.explain()] };
  }
}

export function labelReplace(input: Operator, dst: string, repl: string, src: string, regex: string): Operator {
  const compiled = compileAnchoredRe2(regex);
  // An execution error, as in Prometheus: the parser does not look inside function arguments.
  if ("error" in compiled) throw execution(`invalid regular expression in label_replace(): ${regex}`);
  const { regexp, groupNames } = compiled;
  checkLabelName(dst, "label_replace");
  return new RelabelOperator(input, "label_replace", (m) => {
    const match = regexp.exec(getLabel(m.labels, src));
    if (match === null) return m;
    const labels = setLabel(m.labels, dst, expandTemplate(repl, match, groupNames));
    return { labels, dropName: dst === METRIC_NAME ? false : m.dropName };
  });
}

export function labelJoin(input: Operator, dst: string, sep: string, srcs: string[]): Operator {
  checkLabelName(dst, "label_join");
  for (const s of srcs) checkLabelName(s, "label_join");
  return new RelabelOperator(input, "label_join", (m) => {
    const value = srcs.map((s) => getLabel(m.labels, s)).join(sep);
    return { labels: setLabel(m.labels, dst, value), dropName: dst === METRIC_NAME ? false : m.dropName };
  });
}

export type { QueryContext };
