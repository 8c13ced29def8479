// Runs in the grader's sandbox, which shares the service's loopback: waits until the
// learner's service answers, or the time is up. argv: url, expected status (or ""), ms.
const [url, status, ms] = process.argv.slice(2);
const until = Date.now() + Number(ms);
let last = "no answer";
while (Date.now() < until) {
  try {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2000) });
    if (status ? res.status === Number(status) : res.status < 500) process.exit(0);
    last = `HTTP ${res.status}`;
  } catch (err) {
    last = err?.cause?.code ?? err?.message ?? String(err);
  }
  // Loopback and a tiny request: polling often costs nothing and every step waits on it.
  await new Promise((r) => setTimeout(r, 20));
}
console.log(last);
process.exit(1);
