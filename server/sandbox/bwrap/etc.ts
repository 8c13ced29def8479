import fs from "node:fs";
import path from "node:path";

/** The few /etc files a sandbox sees; everything else of the host's /etc stays hidden. */
const FILES: Record<string, string> = {
  passwd:
    "root:x:0:0:root:/root:/usr/sbin/nologin\nlearner:x:1000:1000:Backlab learner:/workspace:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  group: "root:x:0:\nlearner:x:1000:\nnogroup:x:65534:\n",
  hosts: "127.0.0.1\tlocalhost backlab\n::1\tlocalhost ip6-localhost ip6-loopback\n",
  hostname: "backlab\n",
  "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
  "bash.bashrc": [
    "# Backlab sandbox shell",
    '[ -z "$PS1" ] && return',
    "PS1='\\[\\e[1;32m\\]learner@backlab\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]\\$ '",
    "alias ls='ls --color=auto'",
    "alias ll='ls -la'",
    "HISTSIZE=5000",
    "",
  ].join("\n"),
};

export function writeSandboxEtc(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const [name, content] of Object.entries(FILES)) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== content)
      fs.writeFileSync(file, content, { mode: 0o644 });
  }
  fs.chmodSync(dir, 0o755);
  return dir;
}
