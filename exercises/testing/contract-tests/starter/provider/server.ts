// Starts the Inventory provider on a free loopback port, for tests: a fresh stock every time.
//   const provider = await startProvider();  ...  await provider.close();
import type { AddressInfo } from "node:net";
import { createProviderApp } from "./app.ts";

export type RunningProvider = { url: string; token: string; close(): Promise<void> };

export function startProvider(options: { token?: string; port?: number } = {}): Promise<RunningProvider> {
  const token = options.token ?? "contract-test-token";
  const app = createProviderApp({ token });
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port ?? 0, "127.0.0.1", (err?: Error) => {
      if (err) return reject(err);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        token,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections(); // keep-alive connections would hold close() for seconds
          }),
      });
    });
  });
}

// `npx tsx provider/server.ts` runs it on its own, to look at it with curl or fetch.
if (import.meta.url === `file://${process.argv[1]}`) {
  const p = await startProvider({ port: Number(process.env.PORT ?? 4000) });
  console.log(`Inventory provider on ${p.url} (Authorization: Bearer ${p.token})`);
}
