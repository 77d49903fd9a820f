/**
 * The gRPC stubs a Pulumi program talks through, loaded from the program's own `@pulumi/pulumi`
 * (`node_modules/@pulumi/pulumi/proto/*_pb.js`, generated for @grpc/grpc-js).
 *
 * The generated serializers check `instanceof` against their own message classes, so the local engine builds its
 * answers from the very modules (and the same google-protobuf copy) the program's SDK loads. Node's own `require`
 * (createRequire) loads them, never a test runner's module registry.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as grpcJs from "@grpc/grpc-js";
import type * as structPb from "google-protobuf/google/protobuf/struct_pb";
import type * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import type * as resourcePb from "@pulumi/pulumi/proto/resource_pb";
import type * as resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import type * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import type * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import type * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import type * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";

export interface Protos {
  sdkDir: string;
  sdkVersion: string;
  grpc: typeof grpcJs;
  struct: typeof structPb;
  empty: typeof emptyPb;
  resource: typeof resourcePb;
  resourceRpc: typeof resourceGrpc;
  engine: typeof enginePb;
  engineRpc: typeof engineGrpc;
  provider: typeof providerPb;
  analyzer: typeof analyzerPb;
  analyzerRpc: typeof analyzerGrpc;
}

const cache = new Map<string, Protos>();

/** The stubs of the `@pulumi/pulumi` a program in `fromDir` would load (Node's upward node_modules walk). */
export function loadProtos(fromDir: string): Protos {
  const fromProgram = createRequire(join(fromDir, "__resolve__.js"));
  const sdkDir = dirname(fromProgram.resolve("@pulumi/pulumi/package.json"));
  const known = cache.get(sdkDir);
  if (known) return known;
  // Resolve the way the stubs themselves do: from inside proto/.
  const fromProto = createRequire(join(sdkDir, "proto", "__resolve__.js"));
  const protos: Protos = {
    sdkDir,
    sdkVersion: (fromProgram("@pulumi/pulumi/package.json") as { version: string }).version,
    grpc: fromProto("@grpc/grpc-js") as Protos["grpc"],
    struct: fromProto("google-protobuf/google/protobuf/struct_pb") as Protos["struct"],
    empty: fromProto("google-protobuf/google/protobuf/empty_pb") as Protos["empty"],
    resource: fromProto("./resource_pb") as Protos["resource"],
    resourceRpc: fromProto("./resource_grpc_pb") as Protos["resourceRpc"],
    engine: fromProto("./engine_pb") as Protos["engine"],
    engineRpc: fromProto("./engine_grpc_pb") as Protos["engineRpc"],
    provider: fromProto("./provider_pb") as Protos["provider"],
    analyzer: fromProto("./analyzer_pb") as Protos["analyzer"],
    analyzerRpc: fromProto("./analyzer_grpc_pb") as Protos["analyzerRpc"],
  };
  cache.set(sdkDir, protos);
  return protos;
}
