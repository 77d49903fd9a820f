/**
 * Pulumi's property wire format (sdk/nodejs/runtime/rpc.ts; sdk/go/common/resource/plugin/rpc.go): plain
 * google.protobuf.Struct values, special objects marked by `specialSigKey`. Decoded to what the plan's `--json`
 * contract shows: secrets "[secret]", values not known yet "[unknown]", resource references `[resource <name>]`
 * (as infra/lib/inventory.ts writes them).
 */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SIG = {
  secret: "1b47061264138c4ac30d75fd1eb44270",
  resourceReference: "5cf8f73096256a8f31e491e813e4eb8e",
  outputValue: "d0e6a833031e9bbcd3f4e8bde6ca49a4",
  asset: "c44067f5952c0a294b673a41bacd8c17",
  archive: "0def7320c3a5731c473e5ecbe6d01bc7",
} as const;
/** What an unknown (computed, not yet known) value is on the wire. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const SECRET_PLACEHOLDER = "[secret]";
export const UNKNOWN_PLACEHOLDER = "[unknown]";

/** "mask": secrets read SECRET_PLACEHOLDER (the plan); "unwrap": their values (what a provider would see). */
export type SecretMode = "mask" | "unwrap";

/** Turns wire values into plain JSON. */
export function decode(value: unknown, secrets: SecretMode): unknown {
  if (value === UNKNOWN) return UNKNOWN_PLACEHOLDER;
  if (Array.isArray(value)) return value.map((v) => decode(v, secrets));
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  switch (obj[SIG_KEY]) {
    case SIG.secret:
      return secrets === "mask" ? SECRET_PLACEHOLDER : decode(obj.value, secrets);
    case SIG.resourceReference:
      return `[resource ${String(obj.urn).split("::").pop()}]`;
    case SIG.outputValue:
      if (!("value" in obj)) return UNKNOWN_PLACEHOLDER;
      return obj.secret === true && secrets === "mask" ? SECRET_PLACEHOLDER : decode(obj.value, secrets);
    case SIG.asset:
    case SIG.archive:
      return Object.fromEntries(Object.entries(obj).filter(([k]) => k !== SIG_KEY));
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, decode(v, secrets)]));
}

/** Drops `undefined` (Struct.fromJavaScript rejects it) so a value can go back on the wire. */
export function wireSafe(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(wireSafe);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, wireSafe(v)]),
  );
}
