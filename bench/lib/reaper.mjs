// Last line of defence against leftovers: the harness writes "+PID" / "-PID" lines to this
// process's stdin as it starts and loses children. If the harness dies without cleaning up (even
// by SIGKILL), stdin closes, every PID still listed gets SIGKILL and every "dir:PATH" is removed.
// "done" ends it quietly.
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const pids = new Set();
const dirs = new Set();
let done = false;
process.on('SIGINT', () => {}); // a Ctrl-C is the harness's to handle; this one waits for stdin
process.on('SIGTERM', () => {});
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'done') done = true;
    else if (line.startsWith('dir:')) dirs.add(line.slice(4));
    else if (line.startsWith('+')) pids.add(Number(line.slice(1)));
    else if (line.startsWith('-')) pids.delete(Number(line.slice(1)));
  })
  .on('close', () => {
    if (!done) {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      for (const dir of dirs) {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {}
      }
    }
    process.exit(0);
  });
