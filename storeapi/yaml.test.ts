import { test } from "node:test";
import assert from "node:assert/strict";
import { formatYaml, parseYaml, YamlError, type YamlPositions, type YamlValue } from "./yaml.js";

test("yaml: one-line flow mappings and sequences, nested, as values, list items or the whole document", () => {
  assert.deepEqual(parseYaml("type: FILESYSTEM\nconfig: {directory: /var/lib/x, 'quoted key': \"v, w\"}\n"), {
    type: "FILESYSTEM",
    config: { directory: "/var/lib/x", "quoted key": "v, w" },
  });
  assert.deepEqual(parseYaml("{type: S3, config: {bucket: b, endpoint: host:9000, insecure: true, part_size: 5, tags: [a, [b, c], {}], none: }}\n"), {
    type: "S3",
    config: { bucket: "b", endpoint: "host:9000", insecure: true, part_size: 5, tags: ["a", ["b", "c"], {}], none: null },
  });
  assert.deepEqual(parseYaml("- {a: 1}\n- [x, 'y']\n- {}\n- []\n"), [{ a: 1 }, ["x", "y"], {}, []]);
});

test("yaml: flow errors name the line and what is wrong", () => {
  const cases: [string, RegExp][] = [
    ["a: {b: 1\n", /^line 1: expected , or \} in flow mapping$/],
    ["x: 1\na: {b: 1, b: 2}\n", /^line 2: duplicate key "b"$/],
    ["a: {b}\n", /^line 1: expected ":" after the key "b" in flow mapping$/],
    ["a: {b: 1} c\n", /^line 1: text after the closing \}$/],
    ["a: [1, , 2]\n", /^line 1: empty item in flow sequence$/],
    ["a: {b: 'open}\n", /^line 1: unterminated/],
  ];
  for (const [text, want] of cases) assert.throws(() => parseYaml(text), (e: unknown) => e instanceof YamlError && want.test(e.message), text);
});

test("yaml: literal and folded block scalars with chomping; # inside a block is content", () => {
  const doc = parseYaml(`a: |
  sum(rate(x[5m])) # not a comment

  by (job)
b: |-
  one
    two
c: >
  folded
  line

  para
d: >-
  x
  y
e: |+
  kept

f: after
`);
  assert.deepEqual(doc, {
    a: "sum(rate(x[5m])) # not a comment\n\nby (job)\n",
    b: "one\n  two",
    c: "folded line\npara\n",
    d: "x y",
    e: "kept\n\n",
    f: "after",
  });
});

test("yaml: a block scalar inside a sequence item", () => {
  const doc = parseYaml(`groups:
- name: g
  rules:
  - alert: A
    expr: |
      up
      == 0
    for: 5m
`);
  assert.deepEqual(doc, { groups: [{ name: "g", rules: [{ alert: "A", expr: "up\n== 0\n", for: "5m" }] }] });
});

test("yaml: positions of mappings, sequence items and values, 1-based as yaml.v3", () => {
  const positions: YamlPositions = new Map();
  const doc = parseYaml("groups:\n- name: g\n  rules:\n  - record: a b\n    expr: up\n", positions) as { groups: { rules: object[] }[] };
  const group = doc.groups[0]!;
  assert.deepEqual({ line: positions.get(group)!.line, column: positions.get(group)!.column }, { line: 2, column: 3 });
  const rule = group.rules[0]!;
  assert.deepEqual(positions.get(rule)!.values["record"], { line: 4, column: 13 });
  assert.deepEqual(positions.get(rule)!.values["expr"], { line: 5, column: 11 });
});

test("yaml: a block scalar under a `- key: |` item ends at the next key of that item", () => {
  assert.deepEqual(parseYaml("- expr: |\n    a\n  record: r\n- expr: b\n"), [{ expr: "a\n", record: "r" }, { expr: "b" }]);
});

test("yaml: formatYaml writes block YAML that parseYaml reads back to the same value", () => {
  const group: YamlValue = {
    name: "slo/api: 99.9%",
    interval: "30s",
    limit: 0,
    labels: {},
    rules: [
      { record: "job:http_requests:rate5m", expr: 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))' },
      {
        alert: "HighErrors",
        expr: "job:http_requests:rate5m > 0.5\nand on (job) up == 1",
        for: "10m",
        labels: { severity: "page", "true": "yes", empty: "" },
        annotations: { summary: "{{ $labels.job }}: {{ $value | humanizePercentage }} \\ \"quoted\" #no-comment\ttab\u0001" },
      },
    ],
    list: [],
    flags: [true, false, null, 1.5, "null", "- dash", "a: b", " padded ", "ends:", "10", "1e3"],
  };
  const text = formatYaml({ groups: [group] });
  assert.deepEqual(parseYaml(text), { groups: [group] });
  assert.match(text, /^groups:\n- name: "slo\/api: 99.9%"\n  interval: 30s\n[^]*  - record: job:http_requests:rate5m\n/);
});
