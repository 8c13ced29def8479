// Fires concurrent transfers at the running service and checks the books afterwards.
//   tsx dev/hammer.ts [transfers=200] [accounts=4]
// Every account starts with 100.00; the total must stay the same and no balance may go
// below zero, whatever order the transfers ran in.
const base = `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const transfers = Number(process.argv[2] ?? 200);
const accounts = Number(process.argv[3] ?? 4);
const START = 10_000;

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

const ids: number[] = [];
for (let i = 0; i < accounts; i++) ids.push((await call("POST", "/accounts", { owner: `hammer-${i}`, initial_cents: START })).body.id);
const pick = () => ids[Math.floor(Math.random() * ids.length)]!;

const answers = await Promise.all(
  Array.from({ length: transfers }, () => {
    const from = pick();
    let to = pick();
    while (to === from) to = pick();
    return call("POST", "/transfers", { from_account: from, to_account: to, amount_cents: 1000 + Math.floor(Math.random() * 4000) });
  }),
);
const byStatus = new Map<number, number>();
for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
const balances = await Promise.all(ids.map(async (id) => (await call("GET", `/accounts/${id}`)).body.balance_cents as number));
const total = balances.reduce((a, b) => a + b, 0);

console.log("answers by status:", Object.fromEntries(byStatus));
console.log("balances:", balances.join(", "));
console.log(`total: ${total} (should be ${START * accounts})${total === START * accounts ? "" : "  <-- money appeared or vanished"}`);
if (balances.some((b) => b < 0)) console.log("an account went below zero");
