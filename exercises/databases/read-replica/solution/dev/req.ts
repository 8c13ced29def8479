// A tiny curl for terminals that have none: prints the status, the headers and the body.
//   tsx dev/req.ts [METHOD] <path or URL> [-H 'Name: value']... [-d '<json body>']
//   tsx dev/req.ts /notes -H 'X-Client-Id: me'
//   tsx dev/req.ts POST /notes -H 'X-Client-Id: me' -d '{"title": "hi", "body": "first"}'
const args = process.argv.slice(2);
const method = /^[A-Z]+$/.test(args[0] ?? "") ? args.shift()! : "GET";
const target = args.shift();
if (!target) {
  console.error("usage: tsx dev/req.ts [METHOD] <path or URL> [-H 'Name: value']... [-d body]");
  process.exit(2);
}
const headers = new Headers();
let body: string | undefined;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "-H") {
    const h = args[++i] ?? "";
    const colon = h.indexOf(":");
    headers.append(h.slice(0, colon).trim(), h.slice(colon + 1).trim());
  } else if (args[i] === "-d") {
    body = args[++i];
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
}
const url = target.startsWith("http") ? target : `http://127.0.0.1:${process.env.PORT ?? 3000}${target}`;
const res = await fetch(url, { method, headers, body });
console.log(`HTTP ${res.status} ${res.statusText}`);
res.headers.forEach((value, name) => console.log(`${name}: ${value}`));
console.log();
console.log(await res.text());
