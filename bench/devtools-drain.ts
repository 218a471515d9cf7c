/**
 * A DevTools client on wrangler dev's inspector that reads and discards
 * whatever the worker's runtime sends, as an open DevTools window would.
 *
 * Why: wrangler dev enables the inspector's Network domain on the worker's
 * workerd, which then emits events for every request. With no client
 * reading them they pile up in workerd's native memory. Measured here under
 * `npm run loadtest`: the JS heap stayed near 20 MB while the process's
 * resident memory grew from 150 to 400 MB over about 70,000 requests; with
 * this client attached it stayed between 180 and 205 MB. That growth belongs
 * to the development server, not to the worker, and would otherwise fail
 * the memory check.
 *
 * Needs a global `WebSocket`: Node 20 with `--experimental-websocket`.
 *
 * @example
 * ```ts
 * const drain = await drainDevTools(dev.inspectorOrigin);
 * // ... load ...
 * drain.close();
 * ```
 */
export async function drainDevTools(inspectorOrigin: string): Promise<{ messages: () => number; close: () => void }> {
  const targets = (await (await fetch(`${inspectorOrigin}/json/list`)).json()) as Array<{ webSocketDebuggerUrl?: string }>;
  const url = targets.find((target) => target.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (url === undefined) throw new Error(`${inspectorOrigin}/json/list names no DevTools target`);
  // wrangler accepts DevTools only from a local or Cloudflare Origin; Node's WebSocket takes undici's `headers` init for it.
  const socket = new WebSocket(url, { headers: { Origin: 'http://127.0.0.1' } } as unknown as string[]);
  let received = 0;
  socket.addEventListener('message', () => received++);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`could not open DevTools socket ${url}`)), { once: true });
  });
  return { messages: () => received, close: () => socket.close() };
}
