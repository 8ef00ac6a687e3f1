import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { Registry } from "prom-client";
import { httpsGet, makeCerts } from "../testing/index.js";
import { parseWebConfig, WebConfigError } from "./webconfig.js";
import { BasicAuthVerifier, basicCredentials, LiveWebConfig } from "./webserver.js";
import { buildWriteApi } from "./server.js";

const quiet = { info: () => undefined, error: () => undefined };

/** One CA and its certificates for the whole file. */
const certs = mkdtempSync(join(tmpdir(), "orrery-webconfig-"));
after(() => rmSync(certs, { recursive: true, force: true }));
makeCerts(certs);
function certDir(_t: unknown): string {
  return certs;
}

test("parseWebConfig: files relative to the config, Go's names mapped to OpenSSL's, defaults as exporter-toolkit's", (t) => {
  const dir = certDir(t);
  const cfg = parseWebConfig(
    [
      "tls_server_config:",
      "  cert_file: server.crt",
      "  key_file: server.key",
      "  client_ca_file: ca.crt",
      "  client_auth_type: RequireAndVerifyClientCert",
      "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]",
      "  curve_preferences: [X25519, CurveP256]",
      "http_server_config:",
      "  headers:",
      "    X-Frame-Options: deny",
      "basic_auth_users:",
      "  alice: $2b$04$tooAaGX8CbWLj0rSZthy5.Gm1AgsUFTJz.3yBt6jt7PBLzB7JGsAy",
    ].join("\n"),
    join(dir, "web.yml"),
  );
  assert.equal(cfg.tls?.clientAuth, "RequireAndVerifyClientCert");
  assert.equal(cfg.tls?.minVersion, "TLSv1.2");
  assert.equal(cfg.tls?.maxVersion, "TLSv1.3");
  assert.match(cfg.tls?.ciphers ?? "", /^ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256/);
  assert.equal(cfg.tls?.ecdhCurve, "X25519:P-256");
  assert.deepEqual(cfg.headers, { "X-Frame-Options": "deny" });
  assert.deepEqual([...cfg.users.keys()], ["alice"]);
  assert.deepEqual(cfg.files, [join(dir, "web.yml"), join(dir, "server.crt"), join(dir, "server.key"), join(dir, "ca.crt")]);
  assert.deepEqual(parseWebConfig("", "empty.yml"), { tls: undefined, users: new Map(), headers: {}, files: ["empty.yml"] });
});

test("parseWebConfig: every mistake is an error naming the file and the field", (t) => {
  const dir = certDir(t);
  const f = join(dir, "web.yml");
  const bad: [string, RegExp][] = [
    ["tls_server_config:\n  cert_file: server.crt\n", /web\.yml: tls_server_config.*missing one of key or key_file/],
    ["tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n", /cannot read tls_server_config\.cert_file .*nope\.crt/],
    ["tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS14\n", /min_version: unknown TLS version "TLS14"/],
    ["tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n  max_version: TLS12\n", /min_version TLS13 is above max_version TLS12/],
    ["tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [RC4]\n", /unknown cipher "RC4"/],
    ["tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  curve_preferences: [P999]\n", /unknown curve "P999"/],
    ["tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Maybe\n", /client_auth_type: unknown "Maybe"/],
    ["tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n", /client_ca_file is given without a client_auth_type/],
    ["tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  certfile: x\n", /unknown field tls_server_config\.certfile/],
    ["http_server_config:\n  headers:\n    Server: orrery\n", /header "Server" cannot be set/],
    ["http_server_config:\n  headers:\n    X-Frame-Options: allow\n", /X-Frame-Options: "allow" is not one of deny, sameorigin/],
    ["basic_auth_users:\n  alice: secret\n", /basic_auth_users\.alice is not a bcrypt hash/],
    ["basic_auth_user:\n  alice: x\n", /unknown field basic_auth_user/],
    ["tls_server_config: [a\n", /web\.yml/],
  ];
  for (const [text, want] of bad) {
    assert.throws(() => parseWebConfig(text, f), (err: Error) => err instanceof WebConfigError && want.test(err.message), text);
  }
});

test("BasicAuthVerifier: right password, wrong one, unknown user, malformed header; bcrypt runs once per success", async () => {
  const users = new Map([["alice", bcrypt.hashSync("s3cret", 4)]]);
  const v = new BasicAuthVerifier();
  const basic = (s: string): string => "Basic " + Buffer.from(s).toString("base64");
  assert.equal(await v.verify(users, basic("alice:s3cret")), true);
  assert.equal(await v.verify(users, basic("alice:wrong")), false);
  assert.equal(await v.verify(users, basic("bob:s3cret")), false);
  assert.equal(await v.verify(users, undefined), false);
  assert.equal(await v.verify(users, "Bearer x"), false);
  assert.deepEqual(basicCredentials("basic " + Buffer.from("a:b:c").toString("base64")), { user: "a", password: "b:c" });
  // A cached success: far faster than a bcrypt at cost 10 would be.
  const slow = new Map([["carol", bcrypt.hashSync("pw", 10)]]);
  assert.equal(await v.verify(slow, basic("carol:pw")), true);
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) assert.equal(await v.verify(slow, basic("carol:pw")), true);
  assert.ok(performance.now() - t0 < 100, `50 cached verifications took ${performance.now() - t0} ms`);
});

test("mTLS on a listener: the client_auth_type in force decides, and a reload changes it for new connections", async (t) => {
  const dir = certDir(t);
  const file = join(dir, "web.yml");
  const read = (name: string): string => readFileSync(join(dir, name), "utf8");
  const write = (auth: string): void =>
    writeFileSync(file, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: ${auth}\n`);
  write("RequireAndVerifyClientCert");
  const registry = new Registry();
  const web = LiveWebConfig.open(file, { registry, log: quiet });
  const app = buildWriteApi({ registry, web });
  t.after(() => app.close());
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const url = `https://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}/-/healthy`;
  const ca = read("ca.crt");
  const withCert = { ca, cert: read("client.crt"), key: read("client.key") };
  assert.equal((await httpsGet(url, withCert)).status, 200);
  await assert.rejects(httpsGet(url, { ca }));

  write("VerifyClientCertIfGiven");
  assert.equal(web.reload(), true);
  assert.equal((await httpsGet(url, { ca })).status, 200);
  assert.equal((await httpsGet(url, withCert)).status, 200);

  // A file that does not parse leaves the config in force, counted as a failure.
  writeFileSync(file, "tls_server_config:\n  cert_file: server.crt\n");
  assert.equal(web.reload(), false);
  assert.equal((await httpsGet(url, { ca })).status, 200);
  assert.match(await registry.metrics(), /orrery_web_config_reloads_total\{result="failure"\} 1/);
  assert.match(await registry.metrics(), /orrery_web_config_last_reload_successful 0/);
  // Turning TLS off needs a restart: refused, not half-applied.
  writeFileSync(file, "basic_auth_users: {}\n");
  assert.equal(web.reload(), false);
});
