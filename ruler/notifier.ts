// Alertmanager v2 notifications: alerts queued (bounded; drops counted), sent in batches with
// retries to every Alertmanager of the list (an HA cluster gets each alert from each ruler),
// with the external labels added and --alert.label-drop applied, as Prometheus's notifier does.
// A batch counts as delivered when one Alertmanager of all the clusters took it (as Thanos Ruler).
import { Counter, Gauge, type Registry } from "prom-client";
import { labelsToRecord, type Labels } from "../storeapi/index.js";
import type { AlertmanagerSetConfig } from "./alertmanagers.js";
import { AlertmanagerClient } from "./amclient.js";
import type { NotifyAlert } from "./types.js";

export interface NotifierOptions {
  /** The Alertmanager clusters (alertmanagerSetsFromUrls for --alertmanagers.url, parseAlertingConfig for the config file). */
  alertmanagers: readonly AlertmanagerSetConfig[];
  externalLabels: Labels;
  /** Label names removed from alerts before sending (Thanos's --alert.label-drop). */
  labelDrop: readonly string[];
  queueCapacity?: number;
  batchSize?: number;
  retries?: number;
  registry?: Registry;
  log?: { warn(m: string): void };
  now?: () => number;
}

interface WireAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export class Notifier {
  private queue: WireAlert[] = [];
  private sending: Promise<void> | undefined;
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly dropped: Counter;
  private readonly sent: Counter;
  private readonly errors: Counter;
  private readonly clients: AlertmanagerClient[];

  /** Throws an AlertmanagerConfigError when a TLS file of the configuration cannot be read. */
  constructor(private readonly opts: NotifierOptions) {
    this.clients = opts.alertmanagers.map((cfg) => new AlertmanagerClient(cfg, (m) => opts.log?.warn(m)));
    this.capacity = opts.queueCapacity ?? 10_000;
    this.batchSize = opts.batchSize ?? 64;
    const registers = opts.registry === undefined ? [] : [opts.registry];
    this.dropped = new Counter({ name: "orrery_notifications_dropped_total", help: "Alerts dropped because the queue was full or every send failed.", labelNames: ["reason"], registers });
    this.sent = new Counter({ name: "orrery_notifications_sent_total", help: "Alerts sent, by Alertmanager.", labelNames: ["alertmanager"], registers });
    this.errors = new Counter({ name: "orrery_notifications_errors_total", help: "Failed sends, by Alertmanager.", labelNames: ["alertmanager"], registers });
    const queueLength = (): number => this.queue.length;
    new Gauge({ name: "orrery_notifications_queue_length", help: "Alerts waiting to be sent.", registers, collect() { this.set(queueLength()); } });
  }

  /** The alerts endpoint of every Alertmanager notifications go to now (file_sd re-read when due). */
  async endpoints(now: number): Promise<string[]> {
    const out: string[] = [];
    for (const client of this.clients) out.push(...(await client.endpoints(now)));
    return out;
  }

  /** Queues alerts; the oldest are dropped (and counted) when the queue is full. */
  send(alerts: readonly NotifyAlert[]): void {
    if (this.clients.length === 0) return;
    for (const a of alerts) this.queue.push(this.toWire(a));
    const over = this.queue.length - this.capacity;
    if (over > 0) {
      this.queue.splice(0, over);
      this.dropped.inc({ reason: "queue_full" }, over);
    }
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
    });
  }

  /** Resolves when everything queued so far has been sent or given up on. */
  async flush(): Promise<void> {
    while (this.sending !== undefined) await this.sending;
  }

  /** Sends what is queued, then closes the connections. */
  async close(): Promise<void> {
    await this.flush();
    for (const c of this.clients) c.close();
  }

  private toWire(a: NotifyAlert): WireAlert {
    const labels = labelsToRecord(a.labels);
    for (const l of this.opts.externalLabels) if (labels[l.name] === undefined) labels[l.name] = l.value;
    for (const name of this.opts.labelDrop) delete labels[name];
    return {
      labels,
      annotations: labelsToRecord(a.annotations),
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: new Date(a.endsAt).toISOString(),
      generatorURL: a.generatorURL,
    };
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      const body = JSON.stringify(batch);
      const count = batch.length;
      const sends: Promise<boolean>[] = [];
      const now = (this.opts.now ?? Date.now)();
      for (const client of this.clients) for (const url of await client.endpoints(now)) sends.push(this.post(client, url, body, count));
      const results = await Promise.all(sends);
      if (!results.some((ok) => ok)) this.dropped.inc({ reason: sends.length === 0 ? "no_alertmanager" : "send_failed" }, count);
    }
  }

  private async post(client: AlertmanagerClient, url: string, body: string, count: number): Promise<boolean> {
    const retries = this.opts.retries ?? 3;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const res = await client.postJson(url, body);
        if (res.status >= 200 && res.status < 300) {
          this.sent.inc({ alertmanager: url }, count);
          return true;
        }
        this.opts.log?.warn(`sending ${count} alerts to ${url}: HTTP ${res.status}: ${res.body.slice(0, 200)}`);
        this.errors.inc({ alertmanager: url });
        // A 4xx will not get better by retrying.
        if (res.status >= 400 && res.status < 500) break;
      } catch (err) {
        this.opts.log?.warn(`sending ${count} alerts to ${url}: ${(err as Error).message}`);
        this.errors.inc({ alertmanager: url });
      }
      if (attempt < retries) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
    return false;
  }
}
