import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../testing/index.js";
import { FlagError, parseFlagsWith } from "./flags.js";
import { RULER_FLAGS, rulerConfig } from "./rule.js";
import { logged, MAIN, orrery } from "./testkit.js";

const RULES = `groups:
- name: g
  interval: 1s
  rules:
  - record: orrery_test:one
    expr: vector(1)
  - record: orrery_test:two
    expr: orrery_test:one * 2
  - alert: AlwaysPending
    expr: vector(1) > 0
    for: 1h
    annotations:
      summary: 'value {{ $value }}'
`;

async function getJson(url: string): Promise<any> {
  return (await fetch(url)).json();
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

test("Alertmanagers from --alertmanagers.url, --alertmanagers.config-file or --alertmanagers.config, never two of them", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-rule-am-"));
  try {
    const cfg = (...argv: string[]) => rulerConfig(parseFlagsWith(RULER_FLAGS, argv)).alertmanagers;
    assert.deepEqual(
      cfg("--alertmanagers.url=http://am-1:9093", "--alertmanagers.url=https://am-2:9093/am", "--alertmanagers.send-timeout=3s").map((a) => [a.scheme, a.staticAddresses[0], a.pathPrefix, a.timeoutMs]),
      [
        ["http", "am-1:9093", "", 3000],
        ["https", "am-2:9093", "/am", 3000],
      ],
    );
    await writeFile(join(dir, "am.yml"), "alertmanagers:\n- static_configs: [am-3:9093]\n  scheme: https\n");
    assert.deepEqual(cfg(`--alertmanagers.config-file=${join(dir, "am.yml")}`)[0]?.staticAddresses, ["am-3:9093"]);
    assert.deepEqual(cfg("--alertmanagers.config=alertmanagers: [{static_configs: [am-4:9093]}]")[0]?.staticAddresses, ["am-4:9093"]);
    assert.deepEqual(cfg(), []);
    assert.throws(() => cfg("--alertmanagers.url=http://am:9093", `--alertmanagers.config-file=${join(dir, "am.yml")}`), (e: Error) => e instanceof FlagError && /--alertmanagers\.url and --alertmanagers\.config-file are both given/.test(e.message));
    assert.throws(() => cfg(`--alertmanagers.config-file=${join(dir, "missing.yml")}`), /invalid --alertmanagers\.config-file=.*missing\.yml/);
    assert.throws(
      () => cfg("--alertmanagers.config=alertmanagers: [{scheme: https, static_configs: [am:9093], http_config: {tls_config: {ca_file: /nonexistent/ca.crt}}}]"),
      (e: Error) => e instanceof FlagError && /--alertmanagers\.config: http_config\.tls_config\.ca_file: cannot read \/nonexistent\/ca\.crt/.test(e.message),
    );
    assert.throws(() => cfg("--alertmanagers.config=alertmanagers: [{static_configs: [am:9093], timeout: x}]"), (e: Error) => e instanceof FlagError && /--alertmanagers\.config: alertmanagers\[0\]\.timeout/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("orrery rule check: exit 0 on good files, 1 with promtool's errors on a bad one", () => {
  const good = spawnSync(process.execPath, [MAIN, "rule", "check", join(repoRoot(), "ruler/testdata/good/node-alerts.yml")], { encoding: "utf8" });
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /SUCCESS: 5 rules found/);
  const bad = spawnSync(process.execPath, [MAIN, "rule", "check", join(repoRoot(), "ruler/testdata/bad/duplicate-group.yml")], { encoding: "utf8" });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /duplicate-group\.yml: 6:3: groupname: "dup" is repeated in the same file/);
});

test("orrery start --rule-file: rules evaluated in order into the head, /api/v1/rules, /api/v1/alerts and /api/v1/alertmanagers, a bad reload keeps the rules", { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-rules-"));
  const rules = join(dir, "rules.yml");
  await writeFile(rules, RULES);
  const child = orrery(["start", "--web.listen-address=127.0.0.1:0", `--storage.tsdb.path=${join(dir, "data")}`, "--no-self-scrape", `--rule-file=${join(dir, "*.yml")}`, "--rule-file.watch-interval=0s", "--alertmanagers.url=http://127.0.0.1:1/am"]);
  try {
    const url = await logged(child, /listening on (http:\/\/[^\s"]+)/, "orrery start");
    // Prometheus's shape: each Alertmanager by the URL alerts are posted to.
    const ams = await getJson(`${url}/api/v1/alertmanagers`);
    assert.deepEqual(ams.data, { activeAlertmanagers: [{ url: "http://127.0.0.1:1/am/api/v2/alerts" }], droppedAlertmanagers: [] });
    const two = await until("orrery_test:two", async () => {
      const r = await getJson(`${url}/api/v1/query?query=orrery_test:two`);
      return r.data.result.length === 1 ? r.data.result[0] : undefined;
    });
    assert.equal(two.value[1], "2");
    const rulesJson = await getJson(`${url}/api/v1/rules`);
    const group = rulesJson.data.groups[0];
    assert.equal(group.name, "g");
    assert.equal(group.interval, 1);
    assert.deepEqual(group.rules.map((r: any) => [r.type, r.name, r.health]), [["recording", "orrery_test:one", "ok"], ["recording", "orrery_test:two", "ok"], ["alerting", "AlwaysPending", "ok"]]);
    const alertRule = group.rules[2];
    assert.equal(alertRule.state, "pending");
    assert.equal(alertRule.duration, 3600);
    assert.equal(alertRule.alerts[0].annotations.summary, "value 1");
    assert.equal(alertRule.alerts[0].value, "1e+00");
    assert.match(alertRule.alerts[0].activeAt, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    const onlyAlerts = await getJson(`${url}/api/v1/rules?type=alert`);
    assert.deepEqual(onlyAlerts.data.groups[0].rules.map((r: any) => r.name), ["AlwaysPending"]);
    assert.equal((await fetch(`${url}/api/v1/rules?type=bogus`)).status, 400);
    const alerts = await getJson(`${url}/api/v1/alerts`);
    assert.deepEqual(alerts.data.alerts.map((a: any) => [a.labels.alertname, a.state]), [["AlwaysPending", "pending"]]);
    // ALERTS is written from the evaluation after the `for` state was restored (the second).
    const pending = await until("ALERTS", async () => (await getJson(`${url}/api/v1/query?query=ALERTS`)).data.result[0]);
    assert.equal(pending.metric.alertstate, "pending");
    // A broken file: the reload fails with the error and the rules keep running.
    await writeFile(join(dir, "broken.yml"), "groups:\n- name: b\n  rules:\n  - record: x\n    expr: sum(\n");
    const reload = await fetch(`${url}/-/reload`, { method: "POST" });
    assert.equal(reload.status, 500);
    assert.match(await reload.text(), /broken\.yml: 5:11: group "b", rule 1, "x": could not parse expression/);
    assert.equal((await getJson(`${url}/api/v1/rules`)).data.groups.length, 1);
    await rm(join(dir, "broken.yml"));
    assert.equal((await fetch(`${url}/-/reload`, { method: "POST" })).status, 200);
  } finally {
    await kill(child, "SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
});

test("SIGKILL while an alert is pending: after restart its `for` progress resumes from ALERTS_FOR_STATE", { timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-restore-"));
  await writeFile(join(dir, "rules.yml"), "groups:\n- name: r\n  interval: 1s\n  rules:\n  - alert: SlowBurn\n    expr: vector(1)\n    for: 5m\n");
  const args = ["start", "--web.listen-address=127.0.0.1:0", `--storage.tsdb.path=${join(dir, "data")}`, "--no-self-scrape", `--rule-file=${join(dir, "rules.yml")}`, "--for-grace-period=1s"];
  let child = orrery(args);
  try {
    let url = await logged(child, /listening on (http:\/\/[^\s"]+)/, "orrery start");
    const activeAt = async (): Promise<number | undefined> => {
      const a = (await getJson(`${url}/api/v1/alerts`)).data.alerts[0];
      return a === undefined ? undefined : Date.parse(a.activeAt);
    };
    const first = await until("pending", activeAt);
    // Let ALERTS_FOR_STATE be written a few times, then kill without a chance to flush.
    await new Promise((r) => setTimeout(r, 4000));
    const killedAt = Date.now();
    await kill(child, "SIGKILL");
    await new Promise((r) => setTimeout(r, 2000));
    child = orrery(args);
    url = await logged(child, /listening on (http:\/\/[^\s"]+)/, "orrery start (restarted)");
    const restartedAt = Date.now();
    const restored = await until("restored alert", async () => {
      const rules = (await getJson(`${url}/api/v1/rules`)).data.groups[0]?.rules[0];
      // Restoration happens after the first evaluation; wait for two.
      return rules?.alerts?.length > 0 && Date.parse(rules.lastEvaluation) > restartedAt + 1500 ? Date.parse(rules.alerts[0].activeAt) : undefined;
    });
    const pendingBefore = killedAt - first;
    assert.ok(pendingBefore >= 3000, `pending ${pendingBefore} ms before the kill`);
    // Starting over would put activeAt at the restart; restored, it is earlier by the time spent pending before the kill.
    assert.ok(restored <= restartedAt - pendingBefore + 2000, `activeAt ${new Date(restored).toISOString()} should be about ${pendingBefore} ms before the restart ${new Date(restartedAt).toISOString()}`);
    assert.ok(restored > first, "the downtime does not count as pending time");
  } finally {
    await kill(child, "SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
});
