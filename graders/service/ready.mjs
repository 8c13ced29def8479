// Runs in the grader's sandbox, which shares the service's loopback: waits until the
// learner's service answers, or the time is up. argv: url, expected status (or ""), ms.
// While nothing listens, a TCP connect is the probe (refused at once, on loopback); once the
// port accepts, a GET of the ready path. node:http, not fetch: loading undici and a failing
// fetch every 20 ms cost this process ~0.3 s of CPU in a service's 1 s boot.
import http from "node:http";
import net from "node:net";

const [url, status, ms] = process.argv.slice(2);
const target = new URL(url);
const port = Number(target.port || 80);
const until = Date.now() + Number(ms);
let last = "no answer";

const listening = () =>
  new Promise((resolve) => {
    const socket = net.connect({ host: target.hostname, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (err) => {
      last = err?.code ?? err?.message ?? String(err);
      resolve(false);
    });
  });

const get = () =>
  new Promise((resolve) => {
    const req = http.get(target, { timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("timeout", () => req.destroy(new Error("no answer within 2 s")));
    req.once("error", (err) => {
      last = err?.code ?? err?.message ?? String(err);
      resolve(null);
    });
  });

// Once the port has accepted, the GET alone says the rest (refused, an error status, ready).
let accepting = false;
while (Date.now() < until) {
  accepting ||= await listening();
  if (accepting) {
    const code = await get();
    if (code !== null) {
      if (status ? code === Number(status) : code < 500) process.exit(0);
      last = `HTTP ${code}`;
    }
  }
  // Loopback and a tiny probe: polling often costs little and every step waits on it.
  await new Promise((r) => setTimeout(r, 20));
}
console.log(last);
process.exit(1);
