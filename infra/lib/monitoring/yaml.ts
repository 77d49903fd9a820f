/**
 * A small block-style YAML writer for the documents the program hands to AWS (Prometheus rule files, the scraper's
 * configuration, Alertmanager's): maps, lists, strings, numbers and booleans. Every string is written as a JSON
 * string, which is a valid YAML double-quoted scalar, so no value can be misread (`"5m"`, `"on"`, `"1e3"`); keys are
 * written bare when they are plain identifiers. The `yaml` package is a development dependency, and a deploy may
 * install production dependencies only.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function key(k: string): string {
  return PLAIN_KEY.test(k) ? k : JSON.stringify(k);
}

function scalar(value: string | number | boolean | null): string {
  if (value === null) return "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`yaml: cannot write the number ${value}`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  return JSON.stringify(value);
}

function isScalar(value: YamlValue): value is string | number | boolean | null {
  return value === null || typeof value !== "object";
}

function lines(value: YamlValue, indent: string): string[] {
  if (isScalar(value)) return [`${indent}${scalar(value)}`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}[]`];
    return value.flatMap((item) => {
      if (isScalar(item) || (Array.isArray(item) && item.length === 0) || isEmptyMap(item))
        return [`${indent}- ${inline(item)}`];
      const inner = lines(item, `${indent}  `);
      return [`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1)];
    });
  }
  const entries = Object.entries(value).filter((e): e is [string, YamlValue] => e[1] !== undefined);
  if (entries.length === 0) return [`${indent}{}`];
  return entries.flatMap(([k, v]) => {
    if (isScalar(v) || (Array.isArray(v) && v.length === 0) || isEmptyMap(v))
      return [`${indent}${key(k)}: ${inline(v)}`];
    return [`${indent}${key(k)}:`, ...lines(v, `${indent}  `)];
  });
}

function isEmptyMap(value: YamlValue): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => v === undefined)
  );
}

function inline(value: YamlValue): string {
  if (isScalar(value)) return scalar(value);
  return Array.isArray(value) ? "[]" : "{}";
}

/** `value` as a YAML document, ending with a newline. */
export function toYaml(value: YamlValue): string {
  return `${lines(value, "").join("\n")}\n`;
}
