import * as grpc from "@grpc/grpc-js";
import type { Item, Store } from "./store.ts";

type Unary<Req> = grpc.ServerUnaryCall<Req, Item>;

export function catalogHandlers(store: Store): grpc.UntypedServiceImplementation {
  return {
    GetItem(call: Unary<{ id: string }>, callback: grpc.sendUnaryData<Item>) {
      const item = store.get(call.request.id);
      if (!item) return callback(new Error(`no item ${call.request.id}`));
      callback(null, item);
    },

    ListItems(call: grpc.ServerWritableStream<{ category: string; limit: number }, Item>) {
      const { category, limit } = call.request;
      const items = store.list(category);
      for (const item of limit ? items.slice(0, limit) : items) call.write(item);
      call.end();
    },

    async ReserveItem(call: Unary<{ id: string; quantity: number }>, callback: grpc.sendUnaryData<Item>) {
      try {
        callback(null, await store.reserve(call.request.id, call.request.quantity));
      } catch (err) {
        callback(err as Error);
      }
    },
  };
}
