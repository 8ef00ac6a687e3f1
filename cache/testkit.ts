// Stand-ins for the frontend's tests: a scripted downstream that answers
// query_range like an engine over two series, and records what it was asked.
import { errorJson, queryResponseText } from "../api/index.js";
import type { MatrixSeries } from "../engine/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import type { Downstream, DownstreamResponse, StageResponse } from "./frontend.js";

export interface DownstreamCall {
  query: string;
  start: number;
  end: number;
  step: number;
}

export interface ScriptedDownstream {
  downstream: Downstream;
  calls: DownstreamCall[];
  /** Return this instead of the answer for the next calls (one entry per call). */
  script: ((call: DownstreamCall) => DownstreamResponse | undefined)[];
}

/** Series m{i="1"} = t/1000 at every step, m{i="2"} = 2·t/1000 from APPEARS_AT on. */
export const APPEARS_AT = 90_000_000;

export function matrixAnswer(call: DownstreamCall, warnings: string[] = [], infos: string[] = []): string {
  const series: MatrixSeries[] = [];
  const steps: number[] = [];
  for (let t = call.start; t <= call.end; t += call.step) steps.push(t);
  series.push({ labels: labelsFromRecord({ __name__: "m", i: "1" }), t: Float64Array.from(steps), v: Float64Array.from(steps, (t) => t / 1000) });
  const late = steps.filter((t) => t >= APPEARS_AT);
  if (late.length > 0) series.push({ labels: labelsFromRecord({ __name__: "m", i: "2" }), t: Float64Array.from(late), v: Float64Array.from(late, (t) => (2 * t) / 1000) });
  return queryResponseText({ value: { type: "matrix", series }, warnings, infos });
}

export function scriptedDownstream(): ScriptedDownstream {
  const calls: DownstreamCall[] = [];
  const script: ScriptedDownstream["script"] = [];
  const downstream: Downstream = async (_path, params) => {
    const call = {
      query: params.get("query") ?? "",
      start: Math.round(Number(params.get("start")) * 1000),
      end: Math.round(Number(params.get("end")) * 1000),
      step: Math.round(Number(params.get("step")) * 1000),
    };
    calls.push(call);
    const scripted = script.shift()?.(call);
    if (scripted !== undefined) return scripted;
    return { status: 200, body: matrixAnswer(call), headers: { "content-type": "application/json" } };
  };
  return { downstream, calls, script };
}

export function errorAnswer(status: number, type: string, message: string): DownstreamResponse {
  return { status, body: errorJson(type, message), headers: { "content-type": "application/json" } };
}

/** The frontend's answer with its body as text (a range answer joined from the cache comes as bytes). */
export async function answerText(answer: Promise<StageResponse>): Promise<DownstreamResponse> {
  const r = await answer;
  return { ...r, body: typeof r.body === "string" ? r.body : Buffer.concat(r.body).toString("utf8") };
}
