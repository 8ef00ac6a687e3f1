// remote_read to a Prometheus 2.42 that requires TLS, a client certificate and basic auth (its
// --web.config.file), configured as Prometheus's remote_read section: `orrery query
// --prometheus.config-file` answers from it; a wrong password, no client certificate or an
// untrusted CA are errors naming the server, never an empty answer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { createBlocks, freePort, hasPrometheus, NO_PROMETHEUS, PROMETHEUS_BIN, stopProcess } from "../conformance/index.js";
import { parseRemoteReadConfig, PrometheusStore, remoteReadStoreOptions, type RemoteReadEndpoint } from "../stores/index.js";
import { makeCerts } from "../testing/index.js";
import { parseFlags, queryCommandConfig } from "./query.js";
import { logged, orrery } from "./testkit.js";

const dir = mkdtempSync(join(tmpdir(), "orrery-rr-tls-"));
const children: ChildProcess[] = [];
let promUrl = "";
// Samples 3h ago, so the block promtool makes is older than Prometheus's head.
const T0 = Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60;

function config(overrides: string[] = []): string {
  return [
    "remote_read:",
    `  - url: ${promUrl}/api/v1/read`,
    "    remote_timeout: 10s",
    "    basic_auth:",
    "      username: orrery",
    `      password_file: ${join(dir, "password")}`,
    "    tls_config:",
    `      ca_file: ${join(dir, "ca.crt")}`,
    ...overrides,
    "",
  ].join("\n");
}

const withClientCert = [`      cert_file: ${join(dir, "client.crt")}`, `      key_file: ${join(dir, "client.key")}`];

function store(text: string): PrometheusStore {
  const [endpoint] = parseRemoteReadConfig(text, "rr.yml") as [RemoteReadEndpoint];
  return new PrometheusStore({ ...remoteReadStoreOptions(endpoint, 10_000), externalLabelsTtlMs: 0 });
}

async function seriesNames(s: PrometheusStore): Promise<string[]> {
  const out: string[] = [];
  for await (const frame of s.series({ matchers: [{ name: "__name__", op: "=", value: "demo" }], minTime: 0, maxTime: Date.now() })) {
    for (const series of frame.series) out.push(series.labels.map((l) => `${l.name}=${l.value}`).join(","));
  }
  return out;
}

before(async () => {
  if (!hasPrometheus()) return;
  makeCerts(dir);
  writeFileSync(join(dir, "password"), "s3cret\n");
  writeFileSync(
    join(dir, "web.yml"),
    [
      "tls_server_config:",
      `  cert_file: ${join(dir, "server.crt")}`,
      `  key_file: ${join(dir, "server.key")}`,
      `  client_ca_file: ${join(dir, "ca.crt")}`,
      "  client_auth_type: RequireAndVerifyClientCert",
      "basic_auth_users:",
      `  orrery: ${bcrypt.hashSync("s3cret", 4)}`,
      "",
    ].join("\n"),
  );
  const om = join(dir, "demo.om");
  writeFileSync(om, `# TYPE demo gauge\ndemo{job="a"} 1 ${T0}\ndemo{job="a"} 2 ${T0 + 60}\ndemo{job="b"} 3 ${T0}\n# EOF\n`);
  mkdirSync(join(dir, "data"));
  await createBlocks(om, join(dir, "data"));
  writeFileSync(join(dir, "prometheus.yml"), "global:\n  external_labels:\n    site: tls\nscrape_configs: []\n");
  const port = await freePort();
  const prom = spawn(PROMETHEUS_BIN, [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${join(dir, "web.yml")}`, "--storage.tsdb.retention.time=100y", "--log.level=warn"], { stdio: ["ignore", "ignore", "pipe"] });
  prom.stderr!.on("data", () => undefined);
  children.push(prom);
  promUrl = `https://127.0.0.1:${port}`;
  // Ready once it answers our client over mTLS with the password.
  const s = store(config(withClientCert));
  for (let i = 0; ; i++) {
    try {
      await s.externalLabels();
      break;
    } catch (err) {
      if (i > 300 || prom.exitCode !== null) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

after(async () => {
  for (const c of children) await stopProcess(c);
  rmSync(dir, { recursive: true, force: true });
});

test("remote_read over mTLS with basic_auth.password_file reads the server's series; the password file is read again per request", { skip: !hasPrometheus() && NO_PROMETHEUS }, async () => {
  const s = store(config(withClientCert));
  assert.deepEqual(await seriesNames(s), ["__name__=demo,job=a,site=tls", "__name__=demo,job=b,site=tls"]);
  writeFileSync(join(dir, "password"), "wrong\n");
  try {
    await assert.rejects(seriesNames(s), new RegExp(`prometheus store ${promUrl}: .*HTTP 401`));
  } finally {
    writeFileSync(join(dir, "password"), "s3cret\n");
  }
  assert.equal((await seriesNames(s)).length, 2);
});

test("remote_read without the client certificate, or trusting another CA, fails naming the server", { skip: !hasPrometheus() && NO_PROMETHEUS }, async () => {
  await assert.rejects(seriesNames(store(config())), new RegExp(`prometheus store ${promUrl}: GET ${promUrl}/api/v1/status/config: .*certificate`));
  const other = join(dir, "other");
  mkdirSync(other, { recursive: true });
  makeCerts(other, [], "other-ca");
  const untrusted = config(withClientCert).replace(join(dir, "ca.crt"), join(other, "other-ca.crt"));
  await assert.rejects(seriesNames(store(untrusted)), /certificate/);
});

test("orrery query --prometheus.config-file queries the TLS Prometheus; a bad config is an error naming the file and key", { skip: !hasPrometheus() && NO_PROMETHEUS, timeout: 60_000 }, async () => {
  writeFileSync(join(dir, "rr.yml"), config(withClientCert));
  const q = orrery(["query", "--web.listen-address=127.0.0.1:0", `--prometheus.config-file=${join(dir, "rr.yml")}`]);
  children.push(q);
  const url = await logged(q, /listening on (http:\/\/[^\s"]+)/, "query");
  let body: { data?: { result?: { metric: Record<string, string> }[] } } = {};
  for (let i = 0; i < 100 && (body.data?.result?.length ?? 0) < 2; i++) {
    body = (await (await fetch(`${url}/api/v1/query?query=demo&time=${T0 + 60}`)).json()) as typeof body;
    if ((body.data?.result?.length ?? 0) < 2) await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(body.data?.result?.map((r) => r.metric.job).sort(), ["a", "b"]);

  writeFileSync(join(dir, "bad.yml"), config(["      cert_file: /nonexistent/client.crt", `      key_file: ${join(dir, "client.key")}`]));
  assert.throws(() => queryCommandConfig(parseFlags([`--prometheus.config-file=${join(dir, "bad.yml")}`])), /bad\.yml: remote_read\[0\]\.tls_config\.cert_file: cannot read \/nonexistent\/client\.crt/);
  assert.throws(() => queryCommandConfig(parseFlags(["--prometheus.config=remote_read: [{url: 'http://p:9090', bearer_token: x, basic_auth: {username: u}}]"])), /--prometheus.config: remote_read\[0\]\.bearer_token: cannot be given with basic_auth/);
  assert.throws(() => queryCommandConfig(parseFlags(["--prometheus.config=remote_read: [{url: 'http://p:9090', basic_auth: {password: $(ORRERY_UNSET_PASSWORD)}}]"])), /unset environment variable "ORRERY_UNSET_PASSWORD"/);
});
