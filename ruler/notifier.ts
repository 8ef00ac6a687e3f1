// Alertmanager v2 notifications: alerts queued (bounded; drops counted), sent in batches with
// retries to every Alertmanager of the list (an HA cluster gets each alert from each ruler),
// with the external labels added and --alert.label-drop applied, as Prometheus's notifier does.
import { Counter, Gauge, type Registry } from "prom-client";
import { labelsToRecord, type Labels } from "../storeapi/index.js";
import type { NotifyAlert } from "./types.js";

export interface NotifierOptions {
  urls: readonly string[];
  externalLabels: Labels;
  /** Label names removed from alerts before sending (Thanos's --alert.label-drop). */
  labelDrop: readonly string[];
  queueCapacity?: number;
  batchSize?: number;
  timeoutMs?: number;
  retries?: number;
  registry?: Registry;
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

  constructor(private readonly opts: NotifierOptions) {
    this.capacity = opts.queueCapacity ?? 10_000;
    this.batchSize = opts.batchSize ?? 64;
    const registers = opts.registry === undefined ? [] : [opts.registry];
    this.dropped = new Counter({ name: "orrery_notifications_dropped_total", help: "Alerts dropped because the queue was full or every send failed.", labelNames: ["reason"], registers });
    this.sent = new Counter({ name: "orrery_notifications_sent_total", help: "Alerts sent, by Alertmanager.", labelNames: ["alertmanager"], registers });
    this.errors = new Counter({ name: "orrery_notifications_errors_total", help: "Failed sends, by Alertmanager.", labelNames: ["alertmanager"], registers });
    const queueLength = (): number => this.queue.length;
    new Gauge({ name: "orrery_notifications_queue_length", help: "Alerts waiting to be sent.", registers, collect() { this.set(queueLength()); } });
  }

  /** Queues alerts; the oldest are dropped (and counted) when the queue is full. */
  send(alerts: readonly NotifyAlert[]): void {
    if (this.opts.urls.length === 0) return;
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
      const results = await Promise.all(this.opts.urls.map((url) => this.post(url, batch)));
      if (!results.some((ok) => ok)) this.dropped.inc({ reason: "send_failed" }, batch.length);
    }
  }

  private async post(url: string, batch: WireAlert[]): Promise<boolean> {
    const retries = this.opts.retries ?? 3;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const res = await fetch(`${url.replace(/\/$/, "")}/api/v2/alerts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(batch),
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
        });
        await res.arrayBuffer();
        if (res.ok) {
          this.sent.inc({ alertmanager: url }, batch.length);
          return true;
        }
        // A 4xx will not get better by retrying.
        if (res.status >= 400 && res.status < 500) break;
      } catch {
        // retried below
      }
      this.errors.inc({ alertmanager: url });
      if (attempt < retries) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
    return false;
  }
}
