// Against a real Alertmanager 0.25 serving TLS with basic auth (its --web.config.file): alerts
// configured through Thanos's Alertmanager configuration (CA file, password file, an address
// from file_sd) arrive; a wrong password and an untrusted server are send failures, counted.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { Registry } from "prom-client";
import { freePort, stopProcess } from "../conformance/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { httpsGet, makeCerts } from "../testing/index.js";
import { parseAlertingConfig } from "./alertmanagers.js";
import { Notifier } from "./notifier.js";

const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";
const skip = !existsSync(ALERTMANAGER) && "prometheus-alertmanager is not installed";

let dir = "";
let am: ChildProcess | undefined;
let address = "";
let ca: Buffer;
const auth = `Basic ${Buffer.from("ruler:s3cret").toString("base64")}`;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "orrery-am-tls-"));
  makeCerts(dir);
  ca = await readFile(join(dir, "ca.crt"));
  await writeFile(join(dir, "am.yml"), 'route:\n  receiver: "null"\n  group_wait: 1s\nreceivers:\n- name: "null"\n');
  await writeFile(
    join(dir, "web.yml"),
    `tls_server_config:\n  cert_file: ${join(dir, "server.crt")}\n  key_file: ${join(dir, "server.key")}\nbasic_auth_users:\n  ruler: ${bcrypt.hashSync("s3cret", 4)}\n`,
  );
  await writeFile(join(dir, "password"), "s3cret\n");
  await writeFile(join(dir, "wrong-password"), "guess\n");
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  let log = "";
  am = spawn(
    ALERTMANAGER,
    [`--config.file=${join(dir, "am.yml")}`, `--web.config.file=${join(dir, "web.yml")}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=${address}`, "--cluster.listen-address="],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  am.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  am.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (am.exitCode !== null) throw new Error(`alertmanager exited: ${log.slice(-2000)}`);
    const ready = await httpsGet(`https://${address}/-/ready`, { ca, headers: { authorization: auth } }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`alertmanager not ready: ${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (am !== undefined) await stopProcess(am);
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

interface AmAlert {
  labels: Record<string, string>;
  status: { state: string };
}

async function alertsInAlertmanager(): Promise<AmAlert[]> {
  const res = await httpsGet(`https://${address}/api/v2/alerts`, { ca, headers: { authorization: auth } });
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body) as AmAlert[];
}

function alert(name: string): { labels: ReturnType<typeof labelsFromRecord>; annotations: []; startsAt: number; endsAt: number; generatorURL: string } {
  const now = Date.now();
  return { labels: labelsFromRecord({ alertname: name, severity: "page" }), annotations: [], startsAt: now, endsAt: now + 60_000, generatorURL: "http://orrery.example/graph" };
}

async function counter(registry: Registry, name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return ((m?.values ?? []) as { value: number }[]).reduce((n, v) => n + v.value, 0);
}

test("alerts arrive over TLS with basic auth, the address from file_sd, the password and CA from files", { skip }, async () => {
  await writeFile(join(dir, "targets.json"), JSON.stringify([{ targets: [address] }]));
  const config = parseAlertingConfig(
    `alertmanagers:
- scheme: https
  file_sd_configs:
  - files: ['${join(dir, "*.json")}']
  http_config:
    basic_auth:
      username: ruler
      password_file: ${join(dir, "password")}
    tls_config:
      ca_file: ${join(dir, "ca.crt")}
`,
    "am.yml",
  );
  const registry = new Registry();
  const notifier = new Notifier({ alertmanagers: config, externalLabels: labelsFromRecord({ cluster: "eu1" }), labelDrop: [], registry, retries: 0 });
  try {
    notifier.send([alert("OverTls")]);
    await notifier.flush();
    assert.equal(await counter(registry, "orrery_notifications_sent_total"), 1);
    const got = (await alertsInAlertmanager()).find((a) => a.labels["alertname"] === "OverTls");
    assert.deepEqual(got?.labels, { alertname: "OverTls", cluster: "eu1", severity: "page" });
    assert.equal(got?.status.state, "active");
  } finally {
    await notifier.close();
  }
});

test("a wrong password (401) and an untrusted certificate are failed sends, counted as drops", { skip }, async () => {
  const wrongPassword = parseAlertingConfig(
    `alertmanagers:\n- scheme: https\n  static_configs: ['${address}']\n  http_config:\n    basic_auth: {username: ruler, password_file: '${join(dir, "wrong-password")}'}\n    tls_config: {ca_file: '${join(dir, "ca.crt")}'}\n`,
    "am.yml",
  );
  const noCa = parseAlertingConfig(`alertmanagers:\n- scheme: https\n  static_configs: ['${address}']\n  http_config:\n    basic_auth: {username: ruler, password: s3cret}\n`, "am.yml");
  for (const [what, config] of [
    ["wrong password", wrongPassword],
    ["no CA", noCa],
  ] as const) {
    const registry = new Registry();
    const notifier = new Notifier({ alertmanagers: config, externalLabels: [], labelDrop: [], registry, retries: 0 });
    try {
      notifier.send([alert(`Refused${what.replace(/ /g, "")}`)]);
      await notifier.flush();
      assert.equal(await counter(registry, "orrery_notifications_sent_total"), 0, what);
      assert.equal(await counter(registry, "orrery_notifications_errors_total"), 1, what);
      assert.equal(await counter(registry, "orrery_notifications_dropped_total"), 1, what);
    } finally {
      await notifier.close();
    }
  }
  assert.equal((await alertsInAlertmanager()).filter((a) => a.labels["alertname"]?.startsWith("Refused")).length, 0);
});
