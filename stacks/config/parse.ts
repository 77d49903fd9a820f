/**
 * Parsing of raw stack config values: each key's spelling (strings from the Pulumi engine, typed YAML scalars from
 * the plan harness), the errors that name the key and the stack file, and "did you mean" hints for typos.
 */
import { CONFIG_KEYS, type ConfigKeyDef, INHERIT_INT, INHERIT_STR, PROJECT } from "./keys";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

/** Nearest declared key, for "did you mean" hints. */
function suggest(key: string): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const def of CONFIG_KEYS) {
    const d = editDistance(key.toLowerCase(), def.key.toLowerCase());
    if (d <= 3 && (!best || d < best.d)) best = { key: def.key, d };
  }
  return best?.key;
}

/** The error for a `storyforge:*` key nobody declared, with the nearest declared key as a hint. */
export function unknownKeyProblem(stackFile: string, fullKey: string): string {
  const hint = suggest(fullKey.slice(PROJECT.length + 1));
  return `${stackFile}: unknown config key ${fullKey}` + (hint ? ` (did you mean ${PROJECT}:${hint}?)` : "");
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

export type Parsed = { ok: true; value: unknown; inherit: boolean } | { ok: false; problem: string };

/**
 * Values reach the program as strings from the Pulumi engine and as typed YAML scalars from the plan harness;
 * both spellings are accepted, nothing else.
 */
export function parseValue(def: ConfigKeyDef, raw: unknown): Parsed {
  const shown = JSON.stringify(raw);
  switch (def.type) {
    case "integer": {
      const n =
        typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n)) return { ok: false, problem: `must be an integer, got ${shown}` };
      if (def.tierPath && n === INHERIT_INT) return { ok: true, value: n, inherit: true };
      if (def.min !== undefined && n < def.min) return { ok: false, problem: `must be at least ${def.min}, got ${n}` };
      if (def.max !== undefined && n > def.max) return { ok: false, problem: `must be at most ${def.max}, got ${n}` };
      return { ok: true, value: n, inherit: false };
    }
    case "flag":
    case "boolean": {
      if (raw === true || raw === "true") return { ok: true, value: true, inherit: false };
      if (raw === false || raw === "false") return { ok: true, value: false, inherit: false };
      if (def.type === "flag" && raw === INHERIT_STR) return { ok: true, value: raw, inherit: true };
      return { ok: false, problem: `must be true or false, got ${shown}` };
    }
    case "string": {
      if (typeof raw !== "string") return { ok: false, problem: `must be a string, got ${shown}` };
      if (def.tierPath && raw === INHERIT_STR) return { ok: true, value: raw, inherit: true };
      // A choice declared with an empty default (storyforge:deployerAccess) reads "" as not made yet.
      if (def.oneOf && raw === "" && def.default === "") return { ok: true, value: raw, inherit: false };
      if (def.oneOf && !def.oneOf.includes(raw)) {
        return { ok: false, problem: `must be one of ${def.oneOf.join(", ")}, got ${shown}` };
      }
      return { ok: true, value: raw, inherit: false };
    }
    case "array": {
      let v = raw;
      if (typeof raw === "string") {
        try {
          v = JSON.parse(raw);
        } catch {
          return { ok: false, problem: `must be a list, got ${shown}` };
        }
      }
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
        return { ok: false, problem: `must be a list of strings, got ${shown}` };
      }
      return { ok: true, value: v, inherit: false };
    }
  }
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown): boolean {
  const parts = path.split(".");
  let node: Record<string, unknown> = target;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    if (next === null || typeof next !== "object") return false;
    node = next as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
  return true;
}
