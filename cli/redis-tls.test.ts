// The results cache in a Redis 7 that serves TLS only, requires a client certificate and a
// password: configured as Thanos's cache config (tls_enabled, tls_config, password from the
// environment by $(NAME)) or by flags (--cache.redis.tls-*-file, --cache.redis.password-file).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasRedis, RedisBackend, type RedisBackendOptions, type RunningRedis, startRedisServer } from "../cache/index.js";
import { freePort } from "../conformance/index.js";
import { makeCerts } from "../testing/index.js";
import { frontendCommandConfig, parseFlags } from "./frontend.js";

const NO_REDIS = !hasRedis() && "redis-server is not installed";
const dir = mkdtempSync(join(tmpdir(), "orrery-redis-tls-"));
let redis: RunningRedis | undefined;
let port = 0;

before(async () => {
  if (!hasRedis()) return;
  makeCerts(dir);
  port = await freePort();
  redis = await startRedisServer(port, 20_000, { tls: { certFile: join(dir, "server.crt"), keyFile: join(dir, "server.key"), caFile: join(dir, "ca.crt") }, password: "s3cret" });
});

after(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function redisOptions(argv: string[]): RedisBackendOptions {
  const cache = frontendCommandConfig(parseFlags(["--query-frontend.downstream-url=http://127.0.0.1:1", ...argv])).cache;
  assert.equal(cache.type, "redis");
  return (cache as { redis: RedisBackendOptions }).redis;
}

/** Whether a value written through the backend reads back (false when it does not connect within waitMs). */
async function roundTrip(options: RedisBackendOptions, waitMs = 2000): Promise<boolean> {
  const backend = new RedisBackend({ ...options, timeoutMs: 2000 });
  try {
    for (let i = 0; i < waitMs / 50 && !backend.connected; i++) await new Promise((r) => setTimeout(r, 50));
    if (!backend.connected) return false;
    await backend.set("k", Buffer.from("v"));
    return (await backend.get("k"))?.toString() === "v";
  } finally {
    await backend.close();
  }
}

test("Redis over TLS with a client certificate, the password from the environment ($(NAME) in the cache config)", { skip: NO_REDIS, timeout: 60_000 }, async () => {
  const yaml = [
    "type: REDIS",
    "config:",
    `  addr: 127.0.0.1:${port}`,
    "  password: $(ORRERY_TEST_REDIS_PASSWORD)",
    "  tls_enabled: true",
    "  tls_config:",
    `    ca_file: ${join(dir, "ca.crt")}`,
    `    cert_file: ${join(dir, "client.crt")}`,
    `    key_file: ${join(dir, "client.key")}`,
    "",
  ].join("\n");
  writeFileSync(join(dir, "cache.yml"), yaml);
  process.env.ORRERY_TEST_REDIS_PASSWORD = "s3cret";
  let options: RedisBackendOptions;
  try {
    options = redisOptions([`--query-range.response-cache-config-file=${join(dir, "cache.yml")}`]);
  } finally {
    delete process.env.ORRERY_TEST_REDIS_PASSWORD;
  }
  assert.equal(options.password, "s3cret");
  assert.equal(await roundTrip(options, 10_000), true);
  assert.equal(await roundTrip({ ...options, password: "wrong" }), false, "a wrong password never connects");
  assert.throws(() => redisOptions([`--query-range.response-cache-config-file=${join(dir, "cache.yml")}`]), /cache\.yml: found reference to unset environment variable "ORRERY_TEST_REDIS_PASSWORD"/);
  assert.throws(() => redisOptions([`--query-range.response-cache-config=${yaml.replace("$(ORRERY_TEST_REDIS_PASSWORD)", "x").replace(join(dir, "client.key"), "/nonexistent.key")}`]), /config\.tls_config\.key_file: cannot read \/nonexistent\.key/);
});

test("Redis TLS by flags: --cache.redis.tls-ca-file, -cert-file, -key-file and --cache.redis.password-file; another CA or no client certificate never connects", { skip: NO_REDIS, timeout: 60_000 }, async () => {
  writeFileSync(join(dir, "redis-password"), "s3cret\n");
  const flags = [`--cache.redis.address=127.0.0.1:${port}`, "--cache.redis.tls", `--cache.redis.password-file=${join(dir, "redis-password")}`, `--cache.redis.tls-ca-file=${join(dir, "ca.crt")}`];
  const client = [`--cache.redis.tls-cert-file=${join(dir, "client.crt")}`, `--cache.redis.tls-key-file=${join(dir, "client.key")}`];
  assert.equal(await roundTrip(redisOptions([...flags, ...client]), 10_000), true);
  assert.equal(await roundTrip(redisOptions(flags)), false, "no client certificate");
  const other = join(dir, "other");
  mkdirSync(other);
  makeCerts(other, [], "other-ca");
  assert.equal(await roundTrip(redisOptions([...flags.slice(0, 3), `--cache.redis.tls-ca-file=${join(other, "other-ca.crt")}`, ...client])), false, "a server signed by another CA");
  assert.throws(() => redisOptions([...flags, `--cache.redis.tls-cert-file=${join(dir, "client.crt")}`]), /invalid --cache\.redis\.tls-key-file: missing/);
  assert.throws(() => redisOptions([...flags, "--cache.redis.password=x"]), /--cache\.redis\.password and --cache\.redis\.password-file are both given/);
});
