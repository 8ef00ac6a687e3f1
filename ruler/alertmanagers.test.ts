// Thanos's Alertmanager configuration as orrery reads it: defaults, every key, and an error naming
// the source and the key for each mistake.
import { test } from "node:test";
import assert from "node:assert/strict";
import { alertmanagerSetsFromUrls, parseAlertingConfig, substituteEnv } from "./alertmanagers.js";
import { parseFileSd } from "./amclient.js";

test("a full entry and the defaults", () => {
  const [full, minimal, ...rest] = parseAlertingConfig(
    `alertmanagers:
- http_config:
    basic_auth:
      username: ruler
      password_file: /etc/orrery/am-password
    tls_config:
      ca_file: /etc/orrery/ca.crt
      cert_file: /etc/orrery/client.crt
      key_file: /etc/orrery/client.key
      server_name: am.example
  static_configs: [am-1:9093, "am-2:9093"]
  file_sd_configs:
  - files: [/etc/orrery/am/*.json]
    refresh_interval: 30s
  scheme: https
  path_prefix: alertmanager/
  timeout: 5s
  api_version: v2
- static_configs: [am-3:9093]
`,
    "am.yml",
  );
  assert.equal(rest.length, 0);
  assert.deepEqual(full, {
    http: {
      basicAuth: { username: "ruler", password: "", passwordFile: "/etc/orrery/am-password" },
      bearerToken: "",
      bearerTokenFile: "",
      tls: { caFile: "/etc/orrery/ca.crt", certFile: "/etc/orrery/client.crt", keyFile: "/etc/orrery/client.key", serverName: "am.example", insecureSkipVerify: false },
    },
    staticAddresses: ["am-1:9093", "am-2:9093"],
    fileSd: [{ files: ["/etc/orrery/am/*.json"], refreshIntervalMs: 30_000 }],
    scheme: "https",
    pathPrefix: "/alertmanager",
    timeoutMs: 5000,
  });
  assert.deepEqual(minimal, {
    http: { basicAuth: undefined, bearerToken: "", bearerTokenFile: "", tls: { caFile: "", certFile: "", keyFile: "", serverName: "", insecureSkipVerify: false } },
    staticAddresses: ["am-3:9093"],
    fileSd: [],
    scheme: "http",
    pathPrefix: "",
    timeoutMs: 10_000,
  });
});

test("Thanos's documented template (empty values) is accepted; an empty file_sd refresh_interval means 5m", () => {
  const [set] = parseAlertingConfig(
    `alertmanagers:
- http_config:
    basic_auth:
      username: ""
      password: ""
      password_file: ""
    bearer_token: ""
    bearer_token_file: /run/secrets/am-token
    proxy_url: ""
    tls_config:
      ca_file: ""
      cert_file: ""
      key_file: ""
      server_name: ""
      insecure_skip_verify: false
  static_configs: []
  file_sd_configs:
  - files: [targets.yml]
    refresh_interval: 0s
  scheme: http
  path_prefix: ""
  timeout: 10s
  api_version: v2
`,
    "am.yml",
  );
  assert.equal(set!.http.basicAuth, undefined);
  assert.equal(set!.http.bearerTokenFile, "/run/secrets/am-token");
  assert.deepEqual(set!.fileSd, [{ files: ["targets.yml"], refreshIntervalMs: 300_000 }]);
});

test("$(VAR) is replaced from the environment; a missing variable is an error naming it", () => {
  const [set] = parseAlertingConfig("alertmanagers:\n- static_configs: [am:9093]\n  http_config:\n    bearer_token: $(AM_TOKEN)\n", "am.yml", { AM_TOKEN: "t0k3n" });
  assert.equal(set!.http.bearerToken, "t0k3n");
  assert.throws(() => substituteEnv("password: $(AM_PASSWORD)", {}, "am.yml"), /am\.yml: environment variable AM_PASSWORD \(referenced as \$\(AM_PASSWORD\)\) is not set/);
});

test("mistakes are errors naming the source and the key", () => {
  const cases: [string, RegExp][] = [
    ["alertmanagers: [", /am\.yml: line 1: /],
    ["alertmanager:\n- static_configs: [a:1]\n", /am\.yml: alertmanager: unknown key \(known here: alertmanagers\)/],
    ["alertmanagers:\n- static_configs: [a:1]\n  timeot: 1s\n", /alertmanagers\[0\]\.timeot: unknown key/],
    ["alertmanagers:\n- static_configs: [a:1]\n  api_version: v1\n", /alertmanagers\[0\]\.api_version: v1 is not supported by orrery/],
    ["alertmanagers:\n- static_configs: [a:1]\n  api_version: v3\n", /expected Alertmanager API version to be one of \[v1 v2\] but got "v3"/],
    ["alertmanagers:\n- static_configs: [a:1]\n  scheme: ftp\n", /alertmanagers\[0\]\.scheme: "ftp": want http or https/],
    ["alertmanagers:\n- static_configs: [a:1]\n  timeout: soon\n", /alertmanagers\[0\]\.timeout: want a duration/],
    ["alertmanagers:\n- static_configs: [http://a:1]\n", /static_configs\[0\]: "http:\/\/a:1": want host:port/],
    ["alertmanagers:\n- static_configs: [dns+am:9093]\n", /DNS service discovery is not supported by orrery/],
    ["alertmanagers:\n- scheme: http\n", /alertmanagers\[0\]: no static_configs or file_sd_configs/],
    ["alertmanagers:\n- file_sd_configs:\n  - refresh_interval: 1m\n", /file_sd_configs\[0\]\.files: missing/],
    ["alertmanagers:\n- static_configs: [a:1]\n  http_config:\n    bearer_token: x\n    bearer_token_file: y\n", /at most one of bearer_token & bearer_token_file/],
    ["alertmanagers:\n- static_configs: [a:1]\n  http_config:\n    basic_auth: {username: u, password: p, password_file: f}\n", /http_config\.basic_auth: at most one of basic_auth password & password_file/],
    ["alertmanagers:\n- static_configs: [a:1]\n  http_config:\n    basic_auth: {username: u}\n    bearer_token: t\n", /at most one of basic_auth, bearer_token & bearer_token_file/],
    ["alertmanagers:\n- static_configs: [a:1]\n  http_config:\n    tls_config: {cert_file: c}\n", /tls_config\.key_file: missing: give cert_file and key_file together/],
    ["alertmanagers:\n- static_configs: [a:1]\n  http_config:\n    proxy_url: http://proxy:3128\n", /http_config\.proxy_url: is not supported by orrery/],
    ["alertmanagers:\n- static_configs: [a:1]\n  http_config:\n    tls_config: {insecure_skip_verify: maybe}\n", /tls_config\.insecure_skip_verify: want true or false/],
  ];
  for (const [text, want] of cases) assert.throws(() => parseAlertingConfig(text, "am.yml"), want, text);
});

test("--alertmanagers.url: one cluster per URL, credentials in the URL as basic auth, the path as a prefix", () => {
  const [plain, secured] = alertmanagerSetsFromUrls(["http://am-1:9093", "https://ruler:p%40ss@am-2:9093/am/"], 3000);
  assert.deepEqual([plain!.scheme, plain!.staticAddresses, plain!.pathPrefix, plain!.timeoutMs, plain!.http.basicAuth], ["http", ["am-1:9093"], "", 3000, undefined]);
  assert.deepEqual([secured!.scheme, secured!.staticAddresses, secured!.pathPrefix], ["https", ["am-2:9093"], "/am"]);
  assert.deepEqual(secured!.http.basicAuth, { username: "ruler", password: "p@ss", passwordFile: "" });
  assert.throws(() => alertmanagerSetsFromUrls(["am:9093"]), /--alertmanagers\.url=am:9093: scheme am is not supported/);
  assert.throws(() => alertmanagerSetsFromUrls(["::"]), /--alertmanagers\.url=::: not a URL/);
});

test("file_sd files: JSON and YAML target groups; anything else is an error naming the group", () => {
  assert.deepEqual(parseFileSd('[{"targets": ["a:9093", "b:9093"], "labels": {"x": "y"}}, {"targets": ["c:9093"]}]', "am.json"), ["a:9093", "b:9093", "c:9093"]);
  assert.deepEqual(parseFileSd("- targets: [a:9093]\n", "am.yml"), ["a:9093"]);
  assert.throws(() => parseFileSd("[]", "am.txt"), /want a \.json, \.yml or \.yaml file/);
  assert.throws(() => parseFileSd('{"targets": []}', "am.json"), /want a list of target groups/);
  assert.throws(() => parseFileSd('[{"targets": ["http://a:1"]}]', "am.json"), /target group 0: targets\[0\]: want host:port/);
});
