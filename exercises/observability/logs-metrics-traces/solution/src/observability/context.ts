import { AsyncLocalStorage } from "node:async_hooks";

/** What every log line and outgoing call of one request needs to know about it. */
export type RequestContext = {
  requestId: string;
  traceId: string;
  /** This service's span for the request: the parent of every call it makes. */
  spanId: string;
  flags: string;
};

const storage = new AsyncLocalStorage<RequestContext>();

export const runWithContext = <T>(ctx: RequestContext, fn: () => T): T => storage.run(ctx, fn);
export const currentContext = (): RequestContext | undefined => storage.getStore();
