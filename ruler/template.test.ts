import { test } from "node:test";
import assert from "node:assert/strict";
import { expandAlertTemplate, humanize, humanize1024, humanizeDuration, parseAlertTemplate, TemplateError } from "./template.js";
import { sprintf } from "./gofmt.js";

const ctx = (labels: Record<string, string>, value: number) => ({
  data: { Labels: labels, ExternalLabels: { cluster: "eu1" }, ExternalURL: "http://ruler", Value: value },
  query: async (q: string) => (q === "none" ? [] : [{ Labels: { __name__: "up", job: "a" }, Value: 1234567 }]),
});

test("humanize functions format as Prometheus's", () => {
  assert.equal(humanize(1234567), "1.235M");
  assert.equal(humanize(0.001234), "1.234m");
  assert.equal(humanize(0), "0");
  assert.equal(humanize(12), "12");
  assert.equal(humanize(1e30), "1e+06Y");
  assert.equal(humanize1024(1048576), "1Mi");
  assert.equal(humanizeDuration(899.99), "14m 59s");
  assert.equal(humanizeDuration(90061), "1d 1h 1m 1s");
  assert.equal(humanizeDuration(0.5), "500ms");
  assert.equal(humanizeDuration(1.5), "1.5s");
  assert.equal(sprintf("%.0f %.0f %.1f", [2.5, 3.5, 0.35]), "2 4 0.3");
  assert.equal(sprintf("%.2f%% %d %s %5.1f|%-4s|%v", [3.14159, 42, "x", 2.25, "ab", 1e6]), "3.14% 42 x   2.2|ab  |1e+06");
});

test("alert templates: variables, pipelines, with/if/range, query, printf", async () => {
  const cases: [string, string][] = [
    ["{{ $labels.instance }} is {{ $value }}", "db1 is 1e+06"],
    ["{{ .Labels.job }}/{{ $externalLabels.cluster }}", "node/eu1"],
    ["{{ $value | humanizePercentage }}", "1e+08%"],
    ['{{ printf "%.1f" $value }}', "1000000.0"],
    ["{{ if gt $value 10.0 }}big{{ else if gt $value 1.0 }}mid{{ else }}small{{ end }}", "big"],
    ["{{ with $labels.missing }}x{{ else }}none{{ end }}", "none"],
    ["{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}", "instance=db1;job=node;"],
    ['{{ with query "up" }}{{ . | first | value | humanize }} {{ . | first | label "job" }}{{ end }}', "1.235M a"],
    ["a  {{- 1 -}}  b", "a1b"],
    ["{{/* comment */}}x", "x"],
    ["{{ $labels.job | toUpper }} {{ title \"hello world\" }}", "NODE Hello World"],
  ];
  for (const [tmpl, want] of cases) assert.equal(await expandAlertTemplate("A", tmpl, ctx({ instance: "db1", job: "node" }, 1e6)), want, tmpl);
});

test("a template that fails renders Prometheus's error text instead of failing the rule", async () => {
  const out = await expandAlertTemplate("A", '{{ query "none" | first | value }}', ctx({}, 1));
  assert.match(out, /^<error expanding template: error executing template __alert_A: template: __alert_A:1:\d+: executing "__alert_A" at <.*>: error calling first: first\(\) called on vector with no elements>$/);
});

test("parse errors in Go's words", () => {
  const err = (t: string): string => {
    try {
      parseAlertTemplate("A", t);
    } catch (e) {
      assert.ok(e instanceof TemplateError);
      return e.message;
    }
    return "";
  };
  assert.equal(err("{{ $labels.x "), "template: __alert_A:1: unclosed action");
  assert.equal(err("{{ nope 1 }}"), 'template: __alert_A:1: function "nope" not defined');
  assert.equal(err("{{ $x }}"), 'template: __alert_A:1: undefined variable "$x"');
  assert.equal(err("{{ if 1 }}x"), "template: __alert_A:1: unexpected EOF");
  assert.equal(err("x{{ end }}"), "template: __alert_A:1: unexpected {{end}}");
  assert.equal(err("{{ if 1 }}{{ $y := 2 }}{{ end }}{{ $y }}"), 'template: __alert_A:1: undefined variable "$y"');
});
