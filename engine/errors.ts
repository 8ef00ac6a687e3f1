import type { ErrorKind, PosRange } from "./types.js";

/** The one error type the engine throws; `kind` maps to the API's errorType. */
export class QueryError extends Error {
  readonly kind: ErrorKind;
  readonly pos?: PosRange;

  constructor(kind: ErrorKind, message: string, pos?: PosRange) {
    super(message);
    this.name = "QueryError";
    this.kind = kind;
    this.pos = pos;
  }
}

export const badData = (message: string, pos?: PosRange): QueryError => new QueryError("bad_data", message, pos);
export const execution = (message: string, pos?: PosRange): QueryError => new QueryError("execution", message, pos);
export const timeout = (message = "query timed out in query execution"): QueryError => new QueryError("timeout", message);
export const canceled = (message = "query was canceled in query execution"): QueryError => new QueryError("canceled", message);
export const tooManySamples = (): QueryError =>
  new QueryError("too_many_samples", "query processing would load too many samples into memory in query execution");
