import {
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { RequestHandler } from "express";

/**
 * OpenTelemetry traces of the lab, exported over OTLP/HTTP when a collector is configured:
 * a span per API request (named by its route template), and a grading's trace from the
 * request that submitted it, through the queue, to every phase the engine timed (sandbox,
 * build, boot, each test file, each step). Nothing is recorded when no collector is set.
 *
 * The lab keeps its own provider rather than the global one, so labs in one process (the
 * tests) stay apart; only the context manager (AsyncLocalStorage) is global, set once.
 */
export class Tracing {
  readonly tracer: Tracer;
  readonly enabled: boolean;
  private provider: NodeTracerProvider | undefined;
  private propagator = new W3CTraceContextPropagator();

  constructor(opts: { url: string; serviceName: string } | undefined) {
    this.enabled = !!opts;
    if (!opts) {
      // The API's tracer without a provider: its spans are non-recording and cost nothing.
      this.tracer = trace.getTracer("backlab-disabled");
      return;
    }
    ensureContextManager();
    this.provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.url }))],
    });
    this.tracer = this.provider.getTracer("backlab");
  }

  /** A server span per request; an upstream `traceparent` (a proxy's) becomes its parent. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      if (!this.enabled) return next();
      const base = req.baseUrl;
      const parent = this.propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const span = this.tracer.startSpan(
        req.method,
        {
          kind: SpanKind.SERVER,
          attributes: { "http.request.method": req.method, "url.path": req.path },
        },
        parent,
      );
      res.once("finish", () => {
        const route = (req.route as { path?: string } | undefined)?.path;
        if (route) {
          span.updateName(`${req.method} ${base}${route}`);
          span.setAttribute("http.route", `${base}${route}`);
        }
        span.setAttribute("http.response.status_code", res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      context.with(trace.setSpan(parent, span), next);
    };
  }

  /** Sends what is still buffered and stops. */
  async shutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}

let contextManagerSet = false;
function ensureContextManager(): void {
  if (contextManagerSet) return;
  contextManagerSet = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
