// Against a real Alertmanager 0.25 started here: an alert goes pending → firing → resolved and
// Alertmanager's own API shows it firing, then no longer active.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, stopProcess, waitReady } from "../conformance/index.js";
import { Engine } from "../engine/index.js";
import { labelsFromRecord, MemoryStore } from "../storeapi/index.js";
import { Ruler } from "./manager.js";
import { alertmanagerSetsFromUrls } from "./alertmanagers.js";
import { Notifier } from "./notifier.js";
import { engineQuerier } from "./querier.js";

const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  endsAt: string;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("alert pending → firing → resolved, seen in Alertmanager 0.25's API", { skip: !existsSync(ALERTMANAGER) && "prometheus-alertmanager is not installed", timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-am-"));
  const port = await freePort();
  await writeFile(join(dir, "am.yml"), 'route:\n  receiver: "null"\n  group_wait: 1s\nreceivers:\n- name: "null"\n');
  let log = "";
  const am = spawn(ALERTMANAGER, [`--config.file=${join(dir, "am.yml")}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], { stdio: ["ignore", "pipe", "pipe"] });
  am.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  am.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const amUrl = `http://127.0.0.1:${port}`;
  let ruler: Ruler | undefined;
  try {
    await waitReady(`${amUrl}/-/ready`, am, 20_000, () => log);
    await writeFile(
      join(dir, "rules.yml"),
      `groups:
- name: am
  interval: 1s
  rules:
  - alert: QueueTooLong
    expr: queue_length > 5
    for: 2s
    labels:
      severity: page
      replica: r1
    annotations:
      summary: 'queue is {{ $value }} long on {{ $labels.instance }}'
`,
    );
    const store = new MemoryStore();
    const series = labelsFromRecord({ __name__: "queue_length", instance: "q1" });
    const now = Date.now();
    store.add(series, [now - 1000], [9]);
    const notifier = new Notifier({ alertmanagers: alertmanagerSetsFromUrls([amUrl]), externalLabels: labelsFromRecord({ cluster: "eu1", replica: "r1" }), labelDrop: ["replica"] });
    ruler = new Ruler({
      files: [join(dir, "rules*.yml")],
      querier: engineQuerier(new Engine(), () => store),
      append: async (samples) => {
        for (const s of samples) store.appendSample(s.labels, s.t, s.v);
      },
      notify: (alerts) => notifier.send(alerts),
      externalLabels: labelsFromRecord({ cluster: "eu1", replica: "r1" }),
      externalURL: "http://orrery.example",
      defaultIntervalMs: 60_000,
      defaultQueryOffsetMs: 0,
      resendDelayMs: 1000,
      outageToleranceMs: 3_600_000,
      forGracePeriodMs: 600_000,
      now: Date.now,
    });
    assert.deepEqual(await ruler.start(), []);
    const state = (): string | undefined => ruler!.apiGroups()[0]?.rules[0]?.state;
    await until("pending", async () => (state() === "pending" ? true : undefined));
    const amAlerts = async (): Promise<AmAlert[]> => (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];
    assert.deepEqual(await amAlerts(), [], "a pending alert is not sent");
    const firing = await until("firing in Alertmanager", async () => (await amAlerts()).find((a) => a.labels["alertname"] === "QueueTooLong"));
    assert.equal(state(), "firing");
    assert.equal(firing.status.state, "active");
    assert.deepEqual(firing.labels, { alertname: "QueueTooLong", cluster: "eu1", instance: "q1", severity: "page" }, "external labels added, replica dropped");
    assert.equal(firing.annotations["summary"], "queue is 9 long on q1");
    // The queue drains: the alert resolves and Alertmanager stops listing it as active.
    store.appendSample(series, Date.now(), 0);
    await until("inactive in the ruler", async () => (state() === "inactive" ? true : undefined));
    await until("resolved in Alertmanager", async () => ((await amAlerts()).some((a) => a.labels["alertname"] === "QueueTooLong") ? undefined : true));
    await notifier.flush();
  } finally {
    await ruler?.stop();
    await stopProcess(am);
    await rm(dir, { recursive: true, force: true });
  }
});
