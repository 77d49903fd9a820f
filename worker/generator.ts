import { createHash } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import type { Config } from "../core/config";

/** What generating one segment needs. */
export interface GenerateInput {
  sceneId: string;
  sequence: number;
  prompt: string;
  /** Aborted on the per-job timeout and on shutdown; a generator should stop work when it fires. */
  signal: AbortSignal;
}

export interface GeneratedSegment {
  /** Media location, relative to MEDIA_BASE_URL or absolute. */
  uri: string;
  durationMs: number;
}

/** A video generator plug-in. */
export interface Generator {
  readonly name: string;
  generate(input: GenerateInput): Promise<GeneratedSegment>;
}

/** Aborts a wait when `signal` fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolveSleep, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolveSleep();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The built-in generator: no external service, same input -> same output.
 * Duration (2-6 s) and media name come from a hash of (scene, sequence,
 * prompt); `delayMs` simulates the time a real model takes.
 */
export class LocalGenerator implements Generator {
  readonly name = "local";
  constructor(private readonly delayMs: number) {}

  async generate(input: GenerateInput): Promise<GeneratedSegment> {
    if (this.delayMs > 0) await sleep(this.delayMs, input.signal);
    const digest = createHash("sha256").update(`${input.sceneId}\n${input.sequence}\n${input.prompt}`).digest();
    return {
      uri: `scenes/${input.sceneId}/${String(input.sequence).padStart(5, "0")}-${digest.subarray(0, 4).toString("hex")}.ts`,
      durationMs: 2_000 + (digest.readUInt32BE(4) % 4_001),
    };
  }
}

/** `GENERATOR=local`, or a module path whose `createGenerator(config)` returns a Generator. */
export function loadGenerator(config: Config): Generator {
  if (config.generator === "local") return new LocalGenerator(config.generatorDelayMs);
  const path = isAbsolute(config.generator) ? config.generator : resolve(process.cwd(), config.generator);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path) as { createGenerator?: (c: Config) => Generator };
  if (typeof mod.createGenerator !== "function")
    throw new Error(`GENERATOR module ${config.generator} exports no createGenerator(config)`);
  return mod.createGenerator(config);
}
