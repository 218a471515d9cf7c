import { readdir, readFile, readlink } from 'node:fs/promises';

/** A process under `/proc`. */
export interface ProcessInfo {
  pid: number;
  command: string;
  args: string[];
}

/**
 * Every descendant of `rootPid` (children, grandchildren, …), read from
 * `/proc` (Linux only).
 *
 * @example
 * ```ts
 * (await descendants(wranglerPid)).filter((p) => p.command === 'workerd');
 * // [{ pid: 20647, command: 'workerd', args: [...] }, { pid: 20653, ... }]
 * ```
 */
export async function descendants(rootPid: number): Promise<ProcessInfo[]> {
  const children = new Map<number, ProcessInfo[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue; // exited meanwhile
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean);
    const siblings = children.get(ppid) ?? [];
    siblings.push({ pid: Number(entry), command, args });
    children.set(ppid, siblings);
  }
  const found: ProcessInfo[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/**
 * Resident memory of a process in KiB: `VmRSS` of `/proc/<pid>/status`.
 *
 * @throws Error when the process is gone
 *
 * @example
 * ```ts
 * await residentKiB(process.pid); // 61234
 * ```
 */
export async function residentKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = status.match(/^VmRSS:\s+(\d+) kB$/m);
  if (match === null) throw new Error(`/proc/${pid}/status has no VmRSS`);
  return Number(match[1]);
}

/**
 * The loopback TCP ports a process listens on, from its socket descriptors
 * and `/proc/net/tcp` (Linux only).
 *
 * @example
 * ```ts
 * await listeningPorts(workerdPid); // [42221, 46357, 33001]
 * ```
 */
export async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const LISTEN = '0A';
  const LOOPBACK = '0100007F';
  return (await readFile('/proc/net/tcp', 'utf8'))
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === LISTEN && inodes.has(fields[9]) && fields[1].startsWith(`${LOOPBACK}:`))
    .map((fields) => parseInt(fields[1].split(':')[1], 16));
}

/**
 * The workerd process under `wrangler dev` (pid `wranglerPid`) that runs the
 * worker: wrangler's other workerd is its proxy on the public port, the one
 * without an inspector.
 *
 * @throws Error when wrangler is not running or that workerd is not found
 *
 * @example
 * ```ts
 * await workerRuntimePid(dev.pid); // 20653
 * ```
 */
export async function workerRuntimePid(wranglerPid: number | undefined): Promise<number> {
  if (wranglerPid === undefined) throw new Error('wrangler dev is not running');
  const runtimes = (await descendants(wranglerPid)).filter((process) => process.command === 'workerd');
  const worker = runtimes.filter((process) => process.args.some((arg) => arg.startsWith('--inspector-addr')));
  if (worker.length !== 1) {
    throw new Error(`expected one workerd with an inspector under wrangler, found ${JSON.stringify(runtimes.map(({ pid, args }) => ({ pid, args })))}`);
  }
  return worker[0].pid;
}

/**
 * Whether the workerd that ran the worker as `runtimePid` still does: wrangler
 * dev restarts it whenever a source file changes, so figures taken across a
 * restart mix two isolates.
 *
 * @example
 * ```ts
 * const runtime = await workerRuntimePid(dev.pid);
 * // … measure …
 * if (!(await sameWorkerRuntime(dev.pid, runtime))) throw new Error('the worker was reloaded');
 * ```
 */
export async function sameWorkerRuntime(wranglerPid: number | undefined, runtimePid: number): Promise<boolean> {
  return workerRuntimePid(wranglerPid).then(
    (now) => now === runtimePid,
    () => false,
  );
}

/**
 * The worker's own socket in the workerd running it, which requests reach
 * without wrangler dev's proxy in between: the loopback port of `pid` that
 * serves the worker's stylesheet. Probing a route that does not load the
 * model leaves a cold worker cold.
 *
 * @throws Error when no socket of `pid` answers as the worker
 *
 * @example
 * ```ts
 * await workerRuntimeOrigin(await workerRuntimePid(dev.pid)); // 'http://127.0.0.1:42221'
 * ```
 */
export async function workerRuntimeOrigin(pid: number): Promise<string> {
  for (const port of await listeningPorts(pid)) {
    const origin = `http://127.0.0.1:${port}`;
    const response = await fetch(`${origin}/demo.css`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    await response?.body?.cancel();
    if (response?.ok && response.headers.get('content-type')?.startsWith('text/css')) return origin;
  }
  throw new Error(`no socket of workerd ${pid} answers as the worker`);
}
