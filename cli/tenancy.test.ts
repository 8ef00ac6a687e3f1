// --query.enforce-tenancy on a real `orrery start`: series written by tenant B are invisible to
// tenant A through every read endpoint, regex, absent() and error message.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../conformance/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { encodeRemoteWriteBody, type WriteTimeSeries } from "../stores/index.js";
import { logged, orrery } from "./testkit.js";

const dir = mkdtempSync(join(tmpdir(), "orrery-tenancy-"));
let child: ChildProcess | undefined;
let url = "";
const now = Date.now();

async function write(headers: Record<string, string>, timeseries: WriteTimeSeries[]): Promise<void> {
  const res = await fetch(`${url}/api/v1/write`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0", ...headers },
    body: encodeRemoteWriteBody({ timeseries }),
  });
  assert.equal(res.status, 204, await res.text());
}

const series = (labels: Record<string, string>, value: number): WriteTimeSeries => ({ labels: labelsFromRecord(labels), samples: [{ timestamp: now - 1000, value }] });

before(async () => {
  child = orrery(["start", `--storage.tsdb.path=${join(dir, "data")}`, "--web.listen-address=127.0.0.1:0", "--no-self-scrape", "--query.enforce-tenancy"]);
  url = await logged(child, /listening on (http:\/\/[^\s"]+)/, "orrery start");
  await write({ "THANOS-TENANT": "A" }, [series({ __name__: "shared_metric", job: "a" }, 1), series({ __name__: "visible_a", job: "a" }, 2)]);
  // B writes with Mimir's header, and one series claims to be A's: the receiver's tenant label wins.
  await write({ "X-Scope-OrgID": "B" }, [series({ __name__: "shared_metric", job: "b" }, 10), series({ __name__: "secret_b", b_only: "x", job: "b" }, 20), series({ __name__: "forged_b", tenant_id: "A" }, 30)]);
});

after(async () => {
  if (child !== undefined) await stopProcess(child);
  rmSync(dir, { recursive: true, force: true });
});

async function get(tenant: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url + path, { headers: { "THANOS-TENANT": tenant } });
  return { status: res.status, body: await res.text() };
}

const B_MARKS = [/secret_b/, /b_only/, /forged_b/, /"b"/, /"B"/, /\b10\b/, /\b20\b/];

test("tenant A sees none of tenant B's series, names or values, by any read endpoint", async () => {
  const t = (now - 1000) / 1000;
  const q = (e: string): string => `/api/v1/query?query=${encodeURIComponent(e)}&time=${t}`;
  const paths = [
    q("secret_b"),
    q('secret_b{tenant_id="B"}'),
    q('{tenant_id="B"}'),
    q('{tenant_id=~".+"}'),
    q('{__name__=~".+"}'),
    q('{__name__=~"secret.*|forged.*"}'),
    q("shared_metric"),
    q("count by (job, tenant_id) ({__name__=~\".+\"})"),
    // An error that would name the clashing series.
    q('label_replace({__name__=~".+"}, "__name__", "x", "", "")'),
    `/api/v1/query_range?query=${encodeURIComponent('{__name__=~".+"}')}&start=${t - 60}&end=${t}&step=15`,
    `/api/v1/series?match[]=${encodeURIComponent('{__name__=~".+"}')}`,
    `/api/v1/series?match[]=${encodeURIComponent('{tenant_id="B"}')}`,
    "/api/v1/labels",
    `/api/v1/labels?match[]=${encodeURIComponent("secret_b")}`,
    "/api/v1/label/__name__/values",
    "/api/v1/label/tenant_id/values",
    "/api/v1/label/b_only/values",
    "/api/v1/label/job/values",
    `/api/v1/query_exemplars?query=${encodeURIComponent('{__name__=~".+"}')}&start=${t - 60}&end=${t}`,
    "/api/v1/metadata",
    "/api/v1/status/tsdb",
  ];
  for (const path of paths) {
    const { body } = await get("A", path);
    for (const mark of B_MARKS) assert.doesNotMatch(body, mark, `${path}: ${body}`);
  }
  // absent() answers for B's metric exactly as for a metric nobody has.
  assert.equal((await get("A", q("absent(secret_b)"))).body, (await get("A", q("absent(never_written)"))).body);
  assert.match((await get("A", q("absent(secret_b)"))).body, /"value":\[[\d.]+,"1"\]/);
  // A's own data, with the tenant label the receiver set.
  assert.match((await get("A", q("visible_a"))).body, /"tenant_id":"A"/);
  assert.deepEqual(JSON.parse((await get("A", "/api/v1/label/tenant_id/values")).body).data, ["A"]);
  // A matcher of the query on the tenant label is ANDed: asking for B's gives nothing, not B's.
  assert.match((await get("A", q('shared_metric{tenant_id="B"}'))).body, /"result":\[\]/);
});

test("tenant B sees its own series, the forged one relabelled to B; a request without a tenant is the default tenant", async () => {
  const t = (now - 1000) / 1000;
  const body = (await get("B", `/api/v1/query?query=${encodeURIComponent('{__name__=~".+"}')}&time=${t}`)).body;
  const names = (JSON.parse(body).data.result as { metric: Record<string, string> }[]).map((r) => `${r.metric.__name__}/${r.metric.tenant_id}`).sort();
  assert.deepEqual(names, ["forged_b/B", "secret_b/B", "shared_metric/B"]);
  const anonymous = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('{__name__=~".+"}')}&time=${t}`);
  assert.match(await anonymous.text(), /"result":\[\]/);
});
