import * as grpc from "@grpc/grpc-js";

const SERVING = "SERVING";

/** grpc.health.v1.Health: "" is the whole server, then one entry per service name. */
export function healthHandlers(services: string[]): grpc.UntypedServiceImplementation {
  const status = new Map<string, string>([["", SERVING], ...services.map((s) => [s, SERVING] as [string, string])]);
  return {
    Check(call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const s = status.get(call.request.service);
      if (!s) return callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      callback(null, { status: s });
    },
    Watch(call: grpc.ServerWritableStream<{ service: string }, unknown>) {
      // Statuses never change here: send the current one and keep the stream open until the client leaves.
      call.write({ status: status.get(call.request.service) ?? "SERVICE_UNKNOWN" });
    },
  };
}
