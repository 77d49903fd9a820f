// A raw HTTP/1.1 client for tests that pin an answer exactly: fetch hides header order and case and always frames
// a body. Used by test/app/enqueue-answer.test.ts and enqueue-limits.test.ts.
import { connect } from "node:net";

export interface RawAnswer {
  status: number;
  /** Header names as sent, in order, lowercased for comparison; values by lowercased name. */
  names: string[];
  headers: Record<string, string>;
  body: string;
  json: any;
}

/** Parses each HTTP/1.1 answer in `bytes`, in order (Content-Length framed: the API always sends it). */
export function parseAnswers(bytes: Buffer): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf("\r\n\r\n", at);
    if (end < 0) break;
    const [statusLine, ...lines] = bytes.subarray(at, end).toString("latin1").split("\r\n");
    const names: string[] = [];
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(":");
      const name = l.slice(0, i).toLowerCase();
      names.push(name);
      headers[name] = l.slice(i + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    const body = bytes.subarray(end + 4, end + 4 + length).toString("utf8");
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    answers.push({ status: Number(statusLine.split(" ")[1]), names, headers, body, json });
    at = end + 4 + length;
  }
  return answers;
}

export interface Req {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** The body's bytes; Content-Length is added for it unless `headers` frames it another way. */
  body?: Buffer | string;
  ip?: string;
}

/** `body` sent as Transfer-Encoding: chunked, in chunks of `size` bytes. */
export function chunked(body: Buffer | string, size: number): Buffer {
  const b = Buffer.from(body);
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) {
    const c = b.subarray(i, i + size);
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from("\r\n"));
  }
  return Buffer.concat([...parts, Buffer.from("0\r\n\r\n")]);
}

/** A client of the API on 127.0.0.1:`port()`; a request without `ip` comes from `nextIp()` (X-Forwarded-For). */
export function rawHttp(port: () => number, nextIp: () => string) {
  /** Sends `requests` (raw bytes, in order) on one connection and returns every answer. */
  const exchange = (requests: Buffer[], expected = requests.length): Promise<RawAnswer[]> =>
    new Promise((resolve, reject) => {
      const socket = connect(port(), "127.0.0.1");
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no ${expected} answers in 15 s: ${Buffer.concat(chunks).toString("latin1").slice(0, 400)}`));
      }, 15_000);
      socket.on("data", (d: Buffer) => {
        chunks.push(d);
        const answers = parseAnswers(Buffer.concat(chunks));
        if (answers.length >= expected) {
          clearTimeout(timer);
          socket.destroy();
          resolve(answers);
        }
      });
      socket.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.on("connect", () => {
        for (const r of requests) socket.write(r);
      });
    });
  const frame = (r: Req): Buffer => {
    const body = r.body === undefined ? undefined : Buffer.from(r.body);
    const headers: Record<string, string> = { host: "api.test", "x-forwarded-for": r.ip ?? nextIp(), ...r.headers };
    const framed = Object.keys(headers).some((h) => ["content-length", "transfer-encoding"].includes(h.toLowerCase()));
    if (body !== undefined && !framed) headers["content-length"] = String(body.length);
    const head = `${r.method ?? "POST"} ${r.path} HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("")}\r\n`;
    return Buffer.concat([Buffer.from(head, "latin1"), body ?? Buffer.alloc(0)]);
  };
  const send = async (r: Req): Promise<RawAnswer> => (await exchange([frame(r)]))[0];
  return { exchange, frame, send };
}

/** The API's error body. */
export const error = (code: string, message: string, field?: string) => ({
  error: { code, message, ...(field === undefined ? {} : { field }) },
});
/** What every error answer carries, in this order, after the headers of the steps that ran. */
export const ERROR_TAIL = ["cache-control", "content-type", "content-length"];
export const RATE = ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy"];
export const CONNECTION = ["date", "connection", "keep-alive"];
