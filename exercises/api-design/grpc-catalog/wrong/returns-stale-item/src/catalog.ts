import * as grpc from "@grpc/grpc-js";
import { authorize, RpcError, toServiceError } from "./auth.ts";
import { OutOfStock, UnknownItem, type Item, type Store } from "./store.ts";

type Unary<Req> = grpc.ServerUnaryCall<Req, Item>;

/** Milliseconds left before the call's deadline (Infinity when the client set none). */
function remainingMs(call: { getDeadline(): grpc.Deadline }): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(at) ? at - Date.now() : Infinity;
}

export function catalogHandlers(store: Store): grpc.UntypedServiceImplementation {
  return {
    GetItem(call: Unary<{ id: string }>, callback: grpc.sendUnaryData<Item>) {
      try {
        authorize(call.metadata, "read");
        if (!call.request.id) throw new RpcError(grpc.status.INVALID_ARGUMENT, "id is required");
        const item = store.get(call.request.id);
        if (!item) throw new RpcError(grpc.status.NOT_FOUND, `no item ${call.request.id}`);
        callback(null, item);
      } catch (err) {
        callback(toServiceError(err));
      }
    },

    ListItems(call: grpc.ServerWritableStream<{ category: string; limit: number }, Item>) {
      try {
        authorize(call.metadata, "read");
        const { category, limit } = call.request;
        if (!Number.isInteger(limit) || limit < 0 || limit > 100)
          throw new RpcError(grpc.status.INVALID_ARGUMENT, "limit must be 0 (no limit) or 1..100");
        const items = store.list(category);
        for (const item of limit ? items.slice(0, limit) : items) {
          if (call.cancelled) return;
          call.write(item);
        }
        call.end();
      } catch (err) {
        call.emit("error", toServiceError(err));
      }
    },

    async ReserveItem(call: Unary<{ id: string; quantity: number }>, callback: grpc.sendUnaryData<Item>) {
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      try {
        authorize(call.metadata, "write");
        const { id, quantity } = call.request;
        if (!id) throw new RpcError(grpc.status.INVALID_ARGUMENT, "id is required");
        if (!Number.isInteger(quantity) || quantity < 1)
          throw new RpcError(grpc.status.INVALID_ARGUMENT, "quantity must be a whole number of at least 1");
        const item = store.get(id);
        if (!item) throw new RpcError(grpc.status.NOT_FOUND, `no item ${id}`);
        if (item.stock < quantity) throw new RpcError(grpc.status.FAILED_PRECONDITION, `only ${item.stock} in stock`);
        // Do not start work the client will not wait for.
        if (remainingMs(call) < store.commitMs)
          throw new RpcError(grpc.status.DEADLINE_EXCEEDED, "the deadline leaves too little time to commit");
        await store.reserve(id, quantity, abort.signal);
        callback(null, item);
      } catch (err) {
        if (call.cancelled) return; // the client is gone: nobody to answer
        if (err instanceof OutOfStock) return callback({ code: grpc.status.FAILED_PRECONDITION, details: err.message });
        if (err instanceof UnknownItem) return callback({ code: grpc.status.NOT_FOUND, details: err.message });
        callback(toServiceError(err));
      }
    },
  };
}
