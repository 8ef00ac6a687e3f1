// --web.config.file on a real `orrery start` process: the README's example config, basic auth,
// headers, reload on change, a bad reload kept out.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { stopProcess } from "../conformance/index.js";
import { httpsGet, makeCerts, repoRoot } from "../testing/index.js";
import { logged, MAIN, orrery } from "./testkit.js";

/** The YAML block after the README's `<!-- web-config-example -->` marker. */
function readmeExample(): string {
  const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
  const m = /<!-- web-config-example -->\n```yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(m !== null, "README.md has the web config example");
  return m[1]!;
}

const dir = mkdtempSync(join(tmpdir(), "orrery-webconfig-cli-"));
const file = join(dir, "web.yml");
let child: ChildProcess | undefined;
let url = "";
let ca = "";

before(async () => {
  makeCerts(dir);
  ca = readFileSync(join(dir, "ca.crt"), "utf8");
  writeFileSync(file, readmeExample());
  child = orrery(["start", `--storage.tsdb.path=${join(dir, "data")}`, "--web.listen-address=127.0.0.1:0", "--no-self-scrape", `--web.config.file=${file}`]);
  url = await logged(child, /listening on (https:\/\/[^\s"]+)/, "orrery start");
});

after(async () => {
  if (child !== undefined) await stopProcess(child);
  rmSync(dir, { recursive: true, force: true });
});

const basic = (user: string, password: string): Record<string, string> => ({ authorization: "Basic " + Buffer.from(`${user}:${password}`).toString("base64") });

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("the README's example: HTTPS only, 401 with WWW-Authenticate for a missing or wrong password, the configured headers on every answer", async () => {
  const query = `${url}/api/v1/query?query=1`;
  for (const headers of [{}, basic("admin", "wrong"), basic("nobody", "changeme"), { authorization: "Bearer changeme" }]) {
    const res = await httpsGet(query, { ca, headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.equal(res.headers["www-authenticate"], "Basic");
    assert.equal(res.headers["strict-transport-security"], "max-age=31536000");
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  }
  const ok = await httpsGet(query, { ca, headers: basic("admin", "changeme") });
  assert.equal(ok.status, 200, ok.body);
  assert.match(ok.body, /"status":"success"/);
  assert.equal(ok.headers["strict-transport-security"], "max-age=31536000");
  // Health and metrics are behind the same door, as in exporter-toolkit.
  assert.equal((await httpsGet(`${url}/-/healthy`, { ca })).status, 401);
  // Plain HTTP on the TLS port gets no API.
  await assert.rejects(fetch(url.replace("https:", "http:") + "/api/v1/query?query=1").then((r) => r.text().then((b) => assert.doesNotMatch(b, /success/))).then(() => Promise.reject(new Error("answered"))));
});

test("a changed file is reloaded; a broken one leaves the previous config in force, logged and counted", async () => {
  const hash = bcrypt.hashSync("pw2", 4);
  writeFileSync(file, readmeExample().replace(/admin: .*/, `bob: ${hash}`));
  await until("bob to be let in", async () => (await httpsGet(`${url}/-/healthy`, { ca, headers: basic("bob", "pw2") })).status === 200);
  assert.equal((await httpsGet(`${url}/-/healthy`, { ca, headers: basic("admin", "changeme") })).status, 401);

  writeFileSync(file, readmeExample().replace(/admin: .*/, "bob: not-a-hash"));
  const metrics = async (): Promise<string> => (await httpsGet(`${url}/metrics`, { ca, headers: basic("bob", "pw2") })).body;
  await until("the failed reload to be counted", async () => /orrery_web_config_reloads_total\{result="failure"\} 1/.test(await metrics()));
  assert.match(await metrics(), /orrery_web_config_last_reload_successful 0/);
  assert.equal((await httpsGet(`${url}/-/healthy`, { ca, headers: basic("bob", "pw2") })).status, 200);
});

test("a bad web config at start-up: exit 2 naming the file and the field, in every role", async () => {
  const bad = join(dir, "bad.yml");
  writeFileSync(bad, "basic_auth_users:\n  alice: plaintext\n");
  const want = /bad\.yml: basic_auth_users\.alice is not a bcrypt hash/;
  const res = spawnSync(process.execPath, [MAIN, "start", `--web.config.file=${bad}`], { encoding: "utf8" });
  assert.equal(res.status, 2, res.stderr);
  assert.match(res.stderr, want);
  const flag = `--web.config.file=${bad}`;
  const roles: [string, () => unknown][] = [
    ["query", async () => (await import("./query.js")).queryCommandConfig((await import("./query.js")).parseFlags([flag, "--endpoint=127.0.0.1:1"]))],
    ["receive", async () => (await import("./receive.js")).receiveConfig((await import("./receive.js")).parseFlags([flag]))],
    ["store", async () => (await import("./store.js")).storeConfig((await import("./store.js")).parseFlags([flag, "--objstore.config=type: FILESYSTEM\nconfig:\n  directory: /tmp"]))],
    ["frontend", async () => (await import("./frontend.js")).frontendCommandConfig((await import("./frontend.js")).parseFlags([`--http.config=${bad}`, "--query-frontend.downstream-url=http://127.0.0.1:1"]))],
  ];
  for (const [role, parse] of roles) await assert.rejects(async () => parse(), want, role);
});
