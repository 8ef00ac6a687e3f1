import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../engine/index.js";
import { isStaleNaN, labelsFromRecord, MemoryStore, type Store } from "../storeapi/index.js";
import { evalTimestamp, groupOffsetMs, RuleGroup, type GroupDeps } from "./group.js";
import { engineQuerier } from "./querier.js";
import { parseRuleFile } from "./rulefile.js";
import type { NotifyAlert, OutputSample } from "./types.js";

const T0 = 1_700_000_000_000;
const MIN = 60_000;

function setup(rules: string, opts: { restore?: boolean; store?: MemoryStore; read?: Store } = {}) {
  const store = opts.store ?? new MemoryStore();
  const written: OutputSample[] = [];
  const notified: NotifyAlert[][] = [];
  let now = T0;
  const deps: GroupDeps = {
    querier: engineQuerier(new Engine(), () => opts.read ?? store),
    append: async (samples) => {
      for (const s of samples) {
        written.push(s);
        store.appendSample(s.labels, s.t, s.v);
      }
    },
    notify: (alerts) => notified.push(alerts),
    externalLabels: [],
    externalURL: "http://ruler",
    defaultIntervalMs: MIN,
    defaultQueryOffsetMs: 0,
    resendDelayMs: MIN,
    outageToleranceMs: 60 * MIN,
    forGracePeriodMs: 2 * MIN,
    now: () => now,
  };
  const { groups, errors } = parseRuleFile(rules, "rules.yml");
  assert.deepEqual(errors, []);
  const group = new RuleGroup(groups[0]!, deps, opts.restore ?? false);
  const at = async (t: number): Promise<OutputSample[]> => {
    now = t;
    const from = written.length;
    await group.evaluate(t);
    return written.slice(from);
  };
  return { store, group, written, notified, at };
}

const series = (s: OutputSample): string => {
  const name = s.labels.find((l) => l.name === "__name__")?.value ?? "";
  return `${name}{${s.labels.filter((l) => l.name !== "__name__").map((l) => `${l.name}="${l.value}"`).join(", ")}}`;
};
const show = (samples: OutputSample[]): string[] => samples.map((s) => `${series(s)} ${isStaleNaN(s.v) ? "stale" : s.v}`).sort();

test("recording rules run in order, a later rule sees an earlier one's output; vanished series get stale markers", async () => {
  const { store, at } = setup(`groups:
- name: rec
  labels: { }
  rules:
  - record: job:x:sum
    expr: sum by (job) (x)
    labels:
      source: ruler
  - record: job:x:double
    expr: job:x:sum * 2
`);
  for (const job of ["a", "b"]) store.add(labelsFromRecord({ __name__: "x", job }), [T0 - 10_000], [job === "a" ? 1 : 2]);
  assert.deepEqual(show(await at(T0)), [
    'job:x:double{job="a", source="ruler"} 2',
    'job:x:double{job="b", source="ruler"} 4',
    'job:x:sum{job="a", source="ruler"} 1',
    'job:x:sum{job="b", source="ruler"} 2',
  ]);
  // Six minutes later x{job="b"} is beyond the lookback; only a is left.
  store.add(labelsFromRecord({ __name__: "x", job: "a" }), [T0 + 6 * MIN - 1000], [3]);
  assert.deepEqual(show(await at(T0 + 6 * MIN)), [
    'job:x:double{job="a", source="ruler"} 6',
    'job:x:double{job="b", source="ruler"} stale',
    'job:x:sum{job="a", source="ruler"} 3',
    'job:x:sum{job="b", source="ruler"} stale',
  ]);
});

test("alerting: pending → firing after `for`, kept firing for keep_firing_for, then resolved; ALERTS and ALERTS_FOR_STATE; notifications", async () => {
  const { store, group, notified, at } = setup(`groups:
- name: alerts
  rules:
  - alert: High
    expr: x > 5
    for: 2m
    keep_firing_for: 1m
    labels:
      severity: '{{ if gt $value 10.0 }}page{{ else }}ticket{{ end }}'
    annotations:
      summary: 'x is {{ $value }} on {{ $labels.job }}'
`);
  const x = labelsFromRecord({ __name__: "x", job: "a" });
  for (let m = 0; m <= 3; m++) store.add(x, [T0 + m * MIN - 1000], [7]);
  assert.deepEqual(show(await at(T0)), ['ALERTS_FOR_STATE{alertname="High", job="a", severity="ticket"} 1700000000', 'ALERTS{alertname="High", alertstate="pending", job="a", severity="ticket"} 1']);
  assert.equal(notified.length, 0, "pending alerts are not sent");
  await at(T0 + MIN);
  assert.deepEqual(show(await at(T0 + 2 * MIN)), [
    'ALERTS_FOR_STATE{alertname="High", job="a", severity="ticket"} 1700000000',
    'ALERTS{alertname="High", alertstate="firing", job="a", severity="ticket"} 1',
    'ALERTS{alertname="High", alertstate="pending", job="a", severity="ticket"} stale',
  ]);
  assert.equal(notified.length, 1);
  assert.equal(notified[0]![0]!.startsAt, T0 + 2 * MIN);
  assert.deepEqual(notified[0]![0]!.annotations, [{ name: "summary", value: "x is 7 on a" }]);
  const api = group.rules[0]!.alerts()[0]!;
  assert.equal(api.state, "firing");
  assert.equal(api.activeAt, T0);
  // x stops at T0+3m (last sample); with a 5m lookback it is still seen until T0+8m. Remove it by advancing past the lookback.
  await at(T0 + 9 * MIN);
  assert.equal(group.rules[0]!.alerts()[0]!.state, "firing", "keep_firing_for holds it");
  const resolved = await at(T0 + 10 * MIN);
  assert.deepEqual(show(resolved), ['ALERTS_FOR_STATE{alertname="High", job="a", severity="ticket"} stale', 'ALERTS{alertname="High", alertstate="firing", job="a", severity="ticket"} stale']);
  const last = notified[notified.length - 1]![0]!;
  assert.equal(last.endsAt, T0 + 10 * MIN, "the resolved alert is sent with endsAt = resolution time");
  assert.equal(group.rules[0]!.alerts().length, 0);
});

test("for state is restored from ALERTS_FOR_STATE after a restart: the pending time before the outage counts", async () => {
  const rules = `groups:
- name: alerts
  rules:
  - alert: High
    expr: x > 5
    for: 10m
`;
  const first = setup(rules);
  const x = labelsFromRecord({ __name__: "x", job: "a" });
  for (let m = 0; m <= 30; m++) first.store.add(x, [T0 + m * MIN - 1000], [7]);
  for (let m = 0; m <= 4; m++) await first.at(T0 + m * MIN);
  // Down from T0+4m to T0+7m; a new ruler over the same store restores: 4m spent, 6m left after restart.
  const second = setup(rules, { restore: true, store: first.store });
  const out = await second.at(T0 + 7 * MIN);
  assert.deepEqual(show(out), [], "nothing is written before the state is restored");
  const alert = second.group.rules[0]!.alerts()[0]!;
  assert.equal(alert.activeAt, T0 + 3 * MIN, "activeAt shifted by the downtime");
  assert.equal(alert.state, "pending");
  await second.at(T0 + 12 * MIN);
  assert.equal(second.group.rules[0]!.alerts()[0]!.state, "pending");
  await second.at(T0 + 13 * MIN);
  assert.equal(second.group.rules[0]!.alerts()[0]!.state, "firing", "fires 10m after the shifted activeAt, not 10m after the restart");
});

test("evaluation slots: aligned to the interval plus the group's hash offset", () => {
  const offset = groupOffsetMs("g", "rules.yml", 15_000);
  assert.ok(offset >= 0 && offset < 15_000);
  const ts = evalTimestamp(T0 + 1234, 15_000, offset);
  assert.ok(ts <= T0 + 1234 && ts > T0 + 1234 - 15_000);
  assert.equal(((ts - Math.floor(offset)) % 15_000 + 15_000) % 15_000, 0);
  assert.notEqual(groupOffsetMs("g2", "rules.yml", 15_000), offset);
  // labels.Hash of {file, name} (xxHash64) modulo the interval in ns, short and ≥ 32-byte inputs.
  assert.equal(offset, 1632.510205);
  assert.equal(groupOffsetMs("a".repeat(40), "b".repeat(50), 15_000), 7922.792015);
});

test("one store read serves the rules of a group that select the same series, until a rule writes a series it could hold", async () => {
  const store = new MemoryStore();
  for (const [job, v] of [["a", 1], ["b", 2]] as const) store.add(labelsFromRecord({ __name__: "x", job }), [T0 - 2 * MIN, T0 - MIN, T0], [v, v * 2, v * 3]);
  let reads = 0;
  const counting: Store = {
    info: () => store.info(),
    labelNames: (r, signal) => store.labelNames(r, signal),
    labelValues: (r, signal) => store.labelValues(r, signal),
    series: (r, signal) => {
      reads++;
      return store.series(r, signal);
    },
  };
  const { at } = setup(
    `groups:
- name: shared
  rules:
  - record: job:x:max
    expr: max by (job) (x)
  - record: job:x:min
    expr: min by (job) (x)
  - alert: XHigh
    expr: x > 2
  - record: x_count
    expr: count({__name__=~"x.*"})
  - record: all_x_count
    expr: count({__name__=~"x.*"})
  - record: job:x:rate
    expr: rate(x[5m])
  - record: job:x:irate
    expr: irate(x[5m])
`,
    { store, read: counting },
  );
  const out = show(await at(T0));
  // x is read once for the first three rules; rule 4 reads {__name__=~"x.*"} and writes x_count, which that read could hold, so rule 5
  // reads again and counts rule 4's output; rate and irate share one read of x[5m] (a counter read: replicas dedup differently).
  assert.equal(reads, 4);
  assert.ok(out.includes("x_count{} 2"), out.join("\n"));
  assert.ok(out.includes("all_x_count{} 3"), out.join("\n"));
  assert.ok(out.includes('job:x:max{job="b"} 6'), out.join("\n"));
  assert.ok(out.includes('ALERTS{alertname="XHigh", alertstate="firing", job="a"} 1'), out.join("\n"));
});

test("alert annotations follow the value, and a template with `query` follows the data while the value stays", async () => {
  const { store, group, at } = setup(`groups:
- name: alerts
  rules:
  - alert: High
    expr: x > 0
    annotations:
      summary: 'at {{ $value }}'
      other: 'y is {{ with query "y" }}{{ . | first | value }}{{ end }}'
`);
  const summaries = () => group.rules[0]!.alerts().map((a) => Object.fromEntries(a.annotations.map((l) => [l.name, l.value])));
  store.add(labelsFromRecord({ __name__: "x" }), [T0 - 1000], [1]);
  store.add(labelsFromRecord({ __name__: "y" }), [T0 - 1000], [10]);
  await at(T0);
  assert.deepEqual(summaries(), [{ summary: "at 1", other: "y is 10" }]);
  // x unchanged (same value at the next evaluation), y changed: the query template is expanded again.
  store.add(labelsFromRecord({ __name__: "x" }), [T0 + MIN - 1000], [1]);
  store.add(labelsFromRecord({ __name__: "y" }), [T0 + MIN - 1000], [20]);
  await at(T0 + MIN);
  assert.deepEqual(summaries(), [{ summary: "at 1", other: "y is 20" }]);
  store.add(labelsFromRecord({ __name__: "x" }), [T0 + 2 * MIN - 1000], [2]);
  await at(T0 + 2 * MIN);
  assert.deepEqual(summaries(), [{ summary: "at 2", other: "y is 20" }]);
});
