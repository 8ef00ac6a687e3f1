// grpc-js, loaded on first use: a process that neither serves nor calls gRPC (`orrery start`
// without --grpc-address, a remote_write receiver's head, the parser as a library) never pays the
// ~13 MB of RSS its module graph takes (measured on Node 20).
import { createRequire } from "node:module";
import type * as GrpcJs from "@grpc/grpc-js";

const requireFromHere = createRequire(import.meta.url);

/** The @grpc/grpc-js module (CommonJS: require caches it after the first call). */
export function grpcJs(): typeof GrpcJs {
  return requireFromHere("@grpc/grpc-js") as typeof GrpcJs;
}
