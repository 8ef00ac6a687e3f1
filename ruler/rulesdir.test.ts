// The Cortex/Mimir ruler configuration API as Grafana and mimirtool call it: groups created,
// replaced, listed and deleted per namespace, kept as rule files in --rules.dir, evaluated by the
// ruler with its other rule files, and still there after a restart.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { buildApi } from "../api/index.js";
import { Engine } from "../engine/index.js";
import { MemoryStore, parseYaml } from "../storeapi/index.js";
import { Ruler } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "orrery-rulesdir-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function ruler(rulesDir: string): Ruler {
  return new Ruler({
    files: [],
    rulesDir,
    querier: { instant: async () => [{ labels: [], v: 1 }], matrix: async () => [] },
    append: async () => undefined,
    notify: () => undefined,
    externalLabels: [],
    externalURL: "http://orrery",
    defaultIntervalMs: 60_000,
    defaultQueryOffsetMs: 0,
    resendDelayMs: 60_000,
    outageToleranceMs: 3_600_000,
    forGracePeriodMs: 600_000,
    now: Date.now,
  });
}

function api(r: Ruler) {
  return buildApi({ engine: new Engine(), store: new MemoryStore(), registry: new Registry(), rules: r });
}

const GROUP = `name: api-slo
interval: 30s
rules:
  - record: job:http_requests:rate5m
    expr: sum by (job) (rate(http_requests_total[5m]))
  - alert: HighErrorRate
    expr: job:http_requests:rate5m{code=~"5.."} > 0.1
    for: 10m
    labels:
      severity: page
    annotations:
      summary: "{{ $labels.job }} errors at {{ $value | humanizePercentage }}"
`;

test("ruler config API: create, list, get, replace, delete groups per namespace; persisted in --rules.dir across a restart", async () => {
  const rulesDir = join(dir, "rules");
  const first = ruler(rulesDir);
  assert.deepEqual(await first.start(), []);
  const app = api(first);
  try {
    // Nothing yet: Mimir answers 404, which Grafana shows as an empty list.
    assert.equal((await app.inject({ method: "GET", url: "/prometheus/config/v1/rules" })).statusCode, 404);

    // mimirtool / Grafana (Mimir subtype): POST the group's YAML to the namespace.
    const post = await app.inject({ method: "POST", url: "/prometheus/config/v1/rules/team%2Fapi", headers: { "content-type": "application/yaml" }, payload: GROUP });
    assert.equal(post.statusCode, 202, post.body);
    assert.deepEqual(JSON.parse(post.body), { status: "success", data: null, errorType: "", error: "" });
    // Grafana (Prometheus/Cortex subtype) adds a second group to another namespace under /rules.
    const other = await app.inject({ method: "POST", url: "/rules/infra", headers: { "content-type": "application/yaml" }, payload: "name: up\nrules:\n- alert: TargetDown\n  expr: up == 0\n" });
    assert.equal(other.statusCode, 202, other.body);

    const all = await app.inject({ method: "GET", url: "/config/v1/rules" });
    assert.equal(all.statusCode, 200);
    assert.match(all.headers["content-type"] as string, /yaml/);
    const listed = parseYaml(all.body) as Record<string, { name: string; rules: unknown[] }[]>;
    assert.deepEqual(Object.keys(listed), ["infra", "team/api"]);
    assert.deepEqual(listed["team/api"]![0], parseYaml(GROUP), "the group reads back as posted");

    const one = await app.inject({ method: "GET", url: "/api/v1/rules/team%2Fapi/api-slo" });
    assert.equal(one.statusCode, 200);
    assert.deepEqual(parseYaml(one.body), parseYaml(GROUP));
    assert.equal((await app.inject({ method: "GET", url: "/api/prom/rules/team%2Fapi/nope" })).statusCode, 404);

    // The ruler runs them: Prometheus's /api/v1/rules lists both groups, from files in --rules.dir.
    const rules = JSON.parse((await app.inject({ method: "GET", url: "/api/v1/rules" })).body) as { data: { groups: { name: string; file: string; interval: number }[] } };
    assert.deepEqual(rules.data.groups.map((g) => [g.name, g.file, g.interval]), [["up", join(rulesDir, "infra.yaml"), 60], ["api-slo", join(rulesDir, "team%2Fapi.yaml"), 30]]);

    // An invalid group is refused with the rule-file error, and nothing changes.
    const bad = await app.inject({ method: "POST", url: "/config/v1/rules/infra", headers: { "content-type": "application/yaml" }, payload: "name: up\nrules:\n- alert: TargetDown\n  expr: up ==\n" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /^infra\.yaml: \d+:\d+: group "up", rule 1, "TargetDown": could not parse expression/);
    const notYaml = await app.inject({ method: "POST", url: "/config/v1/rules/infra", headers: { "content-type": "application/yaml" }, payload: "- just\n- a list\n" });
    assert.equal(notYaml.statusCode, 400);
    assert.match(notYaml.body, /mapping/);
    assert.match(readFileSync(join(rulesDir, "infra.yaml"), "utf8"), /expr: "up == 0"/);

    // Replacing a group by name keeps one group.
    const replaced = await app.inject({ method: "POST", url: "/config/v1/rules/infra", headers: { "content-type": "application/yaml" }, payload: "name: up\nrules:\n- alert: TargetDown\n  expr: up == 0\n  for: 5m\n" });
    assert.equal(replaced.statusCode, 202);
    const infra = parseYaml((await app.inject({ method: "GET", url: "/config/v1/rules/infra" })).body) as Record<string, { rules: { for?: string }[] }[]>;
    assert.equal(infra["infra"]!.length, 1);
    assert.equal(infra["infra"]![0]!.rules[0]!.for, "5m");
  } finally {
    await app.close();
    await first.stop();
  }

  // Restart: a new ruler over the same directory has the groups.
  const second = ruler(rulesDir);
  assert.deepEqual(await second.start(), []);
  const app2 = api(second);
  try {
    assert.deepEqual(second.ruleGroups().map((g) => g.name).sort(), ["api-slo", "up"]);
    assert.equal((await app2.inject({ method: "DELETE", url: "/config/v1/rules/team%2Fapi/api-slo" })).statusCode, 202);
    assert.equal((await app2.inject({ method: "DELETE", url: "/config/v1/rules/team%2Fapi/api-slo" })).statusCode, 404);
    assert.equal((await app2.inject({ method: "DELETE", url: "/config/v1/rules/infra" })).statusCode, 202);
    assert.deepEqual(readdirSync(rulesDir).filter((f) => !f.endsWith(".tmp")), []);
    assert.deepEqual(second.ruleGroups(), []);
    assert.equal((await app2.inject({ method: "GET", url: "/config/v1/rules" })).statusCode, 404);
  } finally {
    await app2.close();
    await second.stop();
  }
});
