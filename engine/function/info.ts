// info(v, {data selector}): enrich each series with the data labels of the info series
// (target_info by default) that share its identifying labels (instance, job) at that step.
// Output label sets depend on the data, so the result is computed in full before emitting.
// A histogram sample in a selected info series is an error, as in Prometheus.
import type { CallNode, PlanNode, SelectorNode } from "../../planner/index.js";
import type { LabelMatcher } from "../../promql/index.js";
import { compileMatcher, formatLabels, getLabel, labelsKey, METRIC_NAME, sortLabelsByName, type Label, type Labels } from "../../storeapi/index.js";
import { execution } from "../errors.js";
import type { QueryContext } from "../exec/context.js";
import type { FloatHistogram } from "../histogram/index.js";
import { MaterializedSteps, type Explain, type Operator, type SeriesMeta, type StepVector, type Timeline } from "../model.js";
import { VectorSelectorOperator } from "../scan/vector_selector.js";

const IDENTIFYING = ["instance", "job"];

export class InfoOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;
  private readonly steps = new MaterializedSteps();

  constructor(
    private readonly ctx: QueryContext,
    private readonly node: CallNode,
    private readonly tl: Timeline,
    private readonly base: Operator,
  ) {}

  private async init(): Promise<SeriesMeta[]> {
    if (this.meta !== undefined) return this.meta;
    const arg = this.node.args[1];
    const given: LabelMatcher[] = arg?.type === "VectorSelector" ? arg.matchers : [];
    let nameMatchers = given.filter((m) => m.name === METRIC_NAME);
    const dataMatchers = given.filter((m) => m.name !== METRIC_NAME);
    if (nameMatchers.length === 0) nameMatchers = [{ name: METRIC_NAME, op: "=", value: "target_info" }];
    // Only negative name matchers: they narrow the *_info metrics rather than select everything.
    else if (!nameMatchers.some((m) => m.op === "=" || m.op === "=~")) {
      nameMatchers = [...nameMatchers, { name: METRIC_NAME, op: "=~", value: ".+_info" }];
    }
    // Info series are the *_info metrics the name matchers select, read at the base's reference time.
    const ref = referenceTime(this.node.args[0]!);
    const sel: SelectorNode = {
      type: "VectorSelector",
      name: "",
      matchers: [...nameMatchers, ...dataMatchers],
      offsetMs: ref.offsetMs,
      atMs: ref.atMs,
      anchored: false,
      smoothed: false,
      pos: arg?.pos ?? this.node.pos,
      hints: {},
    };
    let selected: boolean[] = [];
    const histogramError = (i: number): Error | undefined =>
      selected[i] ? execution(`this should be an info metric, with float samples: ${formatLabels(infoMeta[i]!.labels)}`) : undefined;
    const infoOp = new VectorSelectorOperator(this.ctx, sel, this.tl, { timestampValues: true, histogramError });
    const infoMeta = await infoOp.series();
    const baseMeta = await this.base.series();
    const nameTests = nameMatchers.map(compileMatcher);
    const isInfo = baseMeta.map((m) => nameTests.every((matches) => matches(getLabel(m.labels, METRIC_NAME))));
    selected = selectedInfoSeries(baseMeta, isInfo, infoMeta);
    const dropIfUnmatched = dataMatchers.some((m) => !compileMatcher(m)(""));
    const wanted = dataMatchers.length > 0 ? new Set(dataMatchers.map((m) => m.name)) : undefined;
    const infoKey = infoMeta.map((m) => identifyingKey(m.labels));

    const index = new Map<string, number>();
    const meta: SeriesMeta[] = [];
    const intern = (labels: Labels, dropName: boolean): number => {
      const key = labelsKey(labels);
      let id = index.get(key);
      if (id === undefined) {
        id = meta.length;
        index.set(key, id);
        meta.push({ labels, dropName });
      }
      return id;
    };
    for (;;) {
      const [bb, ib] = await Promise.all([this.base.next(), infoOp.next()]);
      if (bb === null) {
        if (ib) this.ctx.pool.putAll(ib);
        break;
      }
      for (let s = 0; s < bb.length; s++) {
        const b = bb[s]!;
        const inf = ib?.[s];
        // Latest info sample per (identifying key, info metric name).
        const byKey = new Map<string, Map<string, { id: number; ts: number }>>();
        if (inf) {
          for (let k = 0; k < inf.n; k++) {
            const id = inf.ids[k]!;
            const key = infoKey[id]!;
            if (key === undefined) continue;
            let names = byKey.get(key);
            if (!names) byKey.set(key, (names = new Map()));
            const nm = getLabel(infoMeta[id]!.labels, METRIC_NAME);
            const prev = names.get(nm);
            if (!prev || inf.v[k]! > prev.ts) names.set(nm, { id, ts: inf.v[k]! });
          }
        }
        const ids: number[] = [];
        const vs: number[] = [];
        // Histogram samples of the base follow its floats (k >= b.n) and keep their histogram.
        const hs: (FloatHistogram | undefined)[] = [];
        for (let k = 0; k < b.n + b.hn; k++) {
          const bid = k < b.n ? b.ids[k]! : b.hIds![k - b.n]!;
          const bm = baseMeta[bid]!;
          hs[ids.length] = k < b.n ? undefined : b.h![k - b.n];
          if (isInfo[bid]) {
            ids.push(intern(bm.labels, bm.dropName));
            vs.push(k < b.n ? b.v[k]! : 0);
            continue;
          }
          const key = identifyingKey(bm.labels);
          const matched = key === undefined ? undefined : byKey.get(key);
          if (!matched || matched.size === 0) {
            if (dropIfUnmatched) continue;
            ids.push(intern(bm.labels, bm.dropName));
            vs.push(k < b.n ? b.v[k]! : 0);
            continue;
          }
          const extra = new Map<string, string>();
          for (const { id } of matched.values()) {
            for (const l of infoMeta[id]!.labels) {
              if (l.name === METRIC_NAME || IDENTIFYING.includes(l.name)) continue;
              if (wanted && !wanted.has(l.name)) continue;
              if (getLabel(bm.labels, l.name) !== "") continue;
              const had = extra.get(l.name);
              if (had !== undefined && had !== l.value) throw execution(`conflicting label: ${l.name}`);
              extra.set(l.name, l.value);
            }
          }
          const labels: Label[] = [...bm.labels, ...[...extra].map(([name, value]) => ({ name, value }))];
          sortLabelsByName(labels);
          ids.push(intern(labels, bm.dropName));
          vs.push(k < b.n ? b.v[k]! : 0);
        }
        hs.length = ids.length;
        this.steps.push(b.t, ids, vs, hs);
        this.ctx.pool.put(b);
        if (inf) this.ctx.pool.put(inf);
      }
    }
    this.meta = meta;
    return meta;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    return this.init();
  }

  async next(): Promise<StepVector[] | null> {
    await this.init();
    return this.steps.next(this.ctx.pool, this.ctx.stepsBatch);
  }

  explain(): Explain {
    return { name: "[function] info", children: [this.base.explain()] };
  }
}

/**
 * The time the base expression reads its samples at, as (at ?? t) − offset: `@` and offsets
 * compose from the outside in along the first argument down to its selector.
 */
function referenceTime(n: PlanNode): { atMs?: number; offsetMs: number } {
  let atMs: number | undefined;
  let offsetMs = 0;
  const apply = (at: number | undefined, off: number): void => {
    if (at !== undefined) {
      atMs = at;
      offsetMs = off;
    } else offsetMs += off;
  };
  let cur: PlanNode | undefined = n;
  while (cur !== undefined) {
    switch (cur.type) {
      case "VectorSelector":
        apply(cur.atMs, cur.offsetMs);
        return { atMs, offsetMs };
      case "MatrixSelector":
        cur = cur.selector;
        break;
      case "Subquery":
        apply(cur.atMs, cur.offsetMs);
        cur = cur.expr;
        break;
      case "Call":
        cur = cur.args.find((a) => a.type !== "NumberLiteral" && a.type !== "StringLiteral");
        break;
      case "Aggregate":
      case "Unary":
      case "StepInvariant":
        cur = cur.expr;
        break;
      case "Binary":
        cur = cur.lhs;
        break;
      default:
        cur = undefined;
    }
  }
  return { atMs, offsetMs };
}

/**
 * The info series Prometheus selects (and so checks): for each identifying label the base series
 * carry (info series among them excepted), the info series' value is one of theirs.
 */
function selectedInfoSeries(baseMeta: readonly SeriesMeta[], isInfo: readonly boolean[], infoMeta: readonly SeriesMeta[]): boolean[] {
  const values = new Map<string, Set<string>>();
  for (let i = 0; i < baseMeta.length; i++) {
    if (isInfo[i]) continue;
    for (const name of IDENTIFYING) {
      const v = getLabel(baseMeta[i]!.labels, name);
      if (v === "") continue;
      let set = values.get(name);
      if (set === undefined) values.set(name, (set = new Set()));
      set.add(v);
    }
  }
  if (values.size === 0) return infoMeta.map(() => false);
  return infoMeta.map((m) => [...values].every(([name, set]) => set.has(getLabel(m.labels, name))));
}

function identifyingKey(ls: Labels): string | undefined {
  let key = "";
  let any = false;
  for (const n of IDENTIFYING) {
    const v = getLabel(ls, n);
    if (v !== "") any = true;
    key += v.length + ":" + v;
  }
  return any ? key : undefined;
}
