// multipart/form-data query forms: the text fields Go's r.ParseMultipartForm
// puts in r.Form (file parts are not query parameters and are skipped).

/** The boundary parameter of a multipart Content-Type, or undefined when there is none. */
export function multipartBoundary(contentType: string): string | undefined {
  const [media, ...params] = contentType.split(";");
  if (media?.trim().toLowerCase() !== "multipart/form-data") return undefined;
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    const v = p.slice(eq + 1).trim();
    const boundary = v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
    return boundary === "" ? undefined : boundary;
  }
  return undefined;
}

/**
 * The text fields of a multipart/form-data body, in order. Throws an Error
 * saying what is malformed (the caller decides how Prometheus answers it).
 */
export function parseMultipartFields(body: Buffer, boundary: string): URLSearchParams {
  const fields = new URLSearchParams();
  const delimiter = Buffer.from("--" + boundary);
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error("multipart: NextPart: EOF");
  for (;;) {
    at += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return fields;
    const headersStart = skipLineEnd(body, at);
    const headersEnd = body.indexOf("\r\n\r\n", headersStart);
    if (headersEnd < 0) throw new Error("multipart: malformed part headers");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headersEnd + 4);
    if (next < 0) throw new Error("multipart: part not closed by its boundary");
    const disposition = partHeader(body.toString("utf8", headersStart, headersEnd), "content-disposition");
    const name = dispositionParam(disposition, "name");
    if (name !== undefined && dispositionParam(disposition, "filename") === undefined) {
      fields.append(name, body.toString("utf8", headersEnd + 4, next));
    }
    at = next + 2;
  }
}

function skipLineEnd(body: Buffer, at: number): number {
  let i = at;
  while (body[i] === 0x20 || body[i] === 0x09) i++;
  if (body[i] === 0x0d && body[i + 1] === 0x0a) return i + 2;
  if (body[i] === 0x0a) return i + 1;
  throw new Error("multipart: boundary not followed by a line end");
}

function partHeader(headers: string, name: string): string {
  for (const line of headers.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
  }
  return "";
}

function dispositionParam(disposition: string, param: string): string | undefined {
  for (const p of disposition.split(";").slice(1)) {
    const eq = p.indexOf("=");
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== param) continue;
    const v = p.slice(eq + 1).trim();
    return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, "$1") : v;
  }
  return undefined;
}
