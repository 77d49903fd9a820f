import pino, { type DestinationStream, type Logger as PinoLogger } from "pino";

/**
 * Structured JSON logs (pino), one object per line on stdout. Secrets are masked by path at any depth, so a
 * careless `log.info("x", { config })` prints neither the JWT secret nor the password inside `databaseUrl`;
 * errors keep their type, message, code, stack and cause (pino's error serializer).
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** Writes out anything buffered (before process.exit). */
  flush(): void;
  /** The pino instance underneath. */
  readonly pino: PinoLogger;
  /**
   * The same output without redaction, for the access log (pino-http): its fields are fixed and carry no
   * secret, and redacting every request line cost a fifth of a cached read's CPU.
   */
  readonly access: PinoLogger;
}

/** Keys whose value is a secret, at the top level and up to four levels down (`*.*.*.*.key`). */
const SECRET_KEYS = [
  "jwtSecret",
  "secret",
  "password",
  "redisPassword",
  "token",
  "accessToken",
  "refreshToken",
  "sessionToken",
  "secretAccessKey",
  "credentials",
  "authorization",
  "cookie",
  '["set-cookie"]',
  '["x-amz-security-token"]',
];
/** Keys holding connection URLs: only the password inside is masked, so host and database stay readable. */
const URL_KEYS = [
  "databaseUrl",
  "databaseReplicaUrl",
  "databaseMigrationUrl",
  "redisUrls",
  "opensearchUrl",
  "connectionString",
  "url",
];
const URL_KEY_SET = new Set(URL_KEYS);
const REDACTED = "[redacted]";

const DEPTHS = ["", "*", "*.*", "*.*.*", "*.*.*.*"];
const at = (key: string): string[] =>
  DEPTHS.map((d) =>
    key.startsWith("[") ? (d === "" ? key.slice(2, -2) : `${d}${key}`) : d === "" ? key : `${d}.${key}`,
  );
export const REDACT_PATHS = [...SECRET_KEYS, ...URL_KEYS].flatMap(at);

/** `postgres://user:secret@host/db` -> `postgres://user:[redacted]@host/db`; anything else unchanged. */
export function maskUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^@/?#]*@/i, `$1${REDACTED}@`);
}

function censor(value: unknown, path: Array<string | symbol>): unknown {
  const key = String(path[path.length - 1]);
  if (!URL_KEY_SET.has(key)) return REDACTED;
  if (typeof value === "string") return maskUrl(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? maskUrl(v) : REDACTED));
  return value === undefined || value === null ? value : REDACTED;
}

export function pinoOptions(level: Level, base: Record<string, unknown>, redact = true): pino.LoggerOptions {
  return {
    level,
    base,
    ...(redact ? { redact: { paths: REDACT_PATHS, censor } } : {}),
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
  };
}

function wrap(p: PinoLogger, access: PinoLogger, flush: () => void): Logger {
  const emit = (fn: pino.LogFn, msg: string, fields?: Record<string, unknown>) =>
    fields === undefined ? fn.call(p, msg) : fn.call(p, fields, msg);
  return {
    debug: (m, f) => emit(p.debug, m, f),
    info: (m, f) => emit(p.info, m, f),
    warn: (m, f) => emit(p.warn, m, f),
    error: (m, f) => emit(p.error, m, f),
    child: (fields) => wrap(p.child(fields), access.child(fields), flush),
    flush,
    pino: p,
    access,
  };
}

/**
 * A logger at `level` whose lines carry `base`. Lines go to `write` when given (tests), else to stdout through
 * an asynchronous pino destination that batches up to 4 KiB (flushed every 250 ms, by `flush()` and at exit),
 * so no request waits on a write and a busy process makes few write calls.
 */
export function createLogger(
  level: Level = "info",
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  if (write !== undefined) {
    const stream: DestinationStream = { write: (line: string) => write(line.replace(/\n$/, "")) };
    return wrap(pino(pinoOptions(level, base), stream), pino(pinoOptions(level, base, false), stream), () => {});
  }
  const dest = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const flush = () => {
    try {
      dest.flushSync();
    } catch {
      // not ready yet or already closed: nothing buffered to lose
    }
  };
  setInterval(() => dest.flush(), 250).unref();
  process.once("exit", flush);
  return wrap(pino(pinoOptions(level, base), dest), pino(pinoOptions(level, base, false), dest), flush);
}
