/** The stack config schema and its loader (stacks/config/*), imported as one module. */
export * from "./keys";
export * from "./parse";
export * from "./validators";
export * from "./load";
export { KUBERNETES_VERSIONS, DEFAULT_KUBERNETES_VERSION } from "../kubernetes";
