/**
 * Opens a page in headless Chromium (Debian's `chromium`) and reads it back through the DevTools protocol over
 * --remote-debugging-pipe (JSON messages ended by NUL on file descriptors 3 and 4): what an expression evaluates
 * to once the page has loaded, and every error the page's console and log showed (script exceptions, console
 * errors, resources refused by the Content-Security-Policy or not found). The browser is stopped before the
 * promise settles, whatever happens.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

/** The Chromium executable: CHROMIUM_PATH, else `chromium` on PATH (.ci/run installs Debian's package). */
function chromiumPath(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return configured;
  const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error("no chromium on PATH: install Debian's package (apt-get install chromium), as .ci/run does");
  }
  return found;
}

/** How long Chromium is given to close (Browser.close) before it and its helpers are killed. */
const CLOSE_MS = 5000;

/** What the page showed. */
interface PageReading<T> {
  value: T;
  /** Console errors, uncaught exceptions and log entries of level error, as text. */
  errors: string[];
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** Loads `file` and evaluates `expression` in it (returned by value: it must be JSON). */
export async function readPage<T>(
  file: string,
  expression: string,
  timeoutMs = 20_000,
  /** Waits (within the timeout) until the page has logged an error: Chromium may report one after the load event. */
  untilError = false,
): Promise<PageReading<T>> {
  const profile = mkdtempSync(join(tmpdir(), 'smwf-chromium-'));
  const browser = spawn(
    chromiumPath(),
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-extensions',
      '--disable-background-networking',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
    ],
    // A process group of its own: its helper processes (renderer, GPU, utility) are stopped with it.
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'], detached: true },
  );
  const toBrowser = browser.stdio[3] as Writable;
  // A write to a browser that has ended fails (EPIPE): what ended it is reported by `exited`.
  toBrowser.on('error', () => undefined);
  const fromBrowser = browser.stdio[4] as Readable;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  let nextId = 1;
  let buffer = '';
  fromBrowser.setEncoding('utf8');
  fromBrowser.on('data', (chunk: string) => {
    buffer += chunk;
    let end = buffer.indexOf('\0');
    while (end >= 0) {
      const message = JSON.parse(buffer.slice(0, end)) as Message;
      buffer = buffer.slice(end + 1);
      end = buffer.indexOf('\0');
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message);
      } else {
        for (const listener of listeners) listener(message);
      }
    }
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<Message>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const exited = new Promise<never>((_, reject) =>
    browser.once('exit', (code, signal) =>
      reject(new Error(`chromium exited (${code ?? signal}) before the page was read`)),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the page was not read within ${timeoutMs} ms`)), timeoutMs);
  });

  const errors: string[] = [];
  let errorLogged: () => void = () => undefined;
  const firstError = new Promise<void>((resolve) => {
    errorLogged = resolve;
  });
  const read = async (): Promise<PageReading<T>> => {
    const { result: target } = await send('Target.createTarget', { url: 'about:blank' });
    const { result: attached } = await send('Target.attachToTarget', { targetId: target?.targetId, flatten: true });
    const session = attached?.sessionId as string;
    let loaded: () => void = () => undefined;
    const load = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    listeners.push((m) => {
      if (m.sessionId !== session) return;
      const p = m.params ?? {};
      if (m.method === 'Page.loadEventFired') loaded();
      if (m.method === 'Runtime.exceptionThrown') {
        errors.push(`exception: ${JSON.stringify((p.exceptionDetails as { text?: string })?.text ?? p)}`);
      }
      if (m.method === 'Runtime.consoleAPICalled' && p.type === 'error') {
        errors.push(`console.error: ${JSON.stringify(p.args)}`);
      }
      if (m.method === 'Log.entryAdded') {
        const entry = p.entry as { level?: string; text?: string; url?: string };
        if (entry.level === 'error') errors.push(`log: ${entry.text ?? ''} ${entry.url ?? ''}`.trim());
      }
      if (errors.length > 0) errorLogged();
    });
    await send('Page.enable', {}, session);
    await send('Runtime.enable', {}, session);
    await send('Log.enable', {}, session);
    await send('Page.navigate', { url: pathToFileURL(file).href }, session);
    await load;
    const { result } = await send('Runtime.evaluate', { expression, returnByValue: true }, session);
    const evaluated = result as { result?: { value?: unknown }; exceptionDetails?: { text?: string } };
    if (evaluated.exceptionDetails) throw new Error(`the expression failed: ${evaluated.exceptionDetails.text}`);
    if (untilError) await firstError;
    return { value: evaluated.result?.value as T, errors };
  };

  const ended = new Promise((resolve) =>
    browser.exitCode !== null || browser.signalCode !== null ? resolve(undefined) : browser.once('exit', resolve),
  );
  try {
    return await Promise.race([read(), exited, timedOut]);
  } finally {
    clearTimeout(timer);
    // Closed as a user closes it: Chromium stops its helper processes and is done with the profile when it exits.
    // Killed, with its whole process group, when it does not close within CLOSE_MS (or already ended).
    exited.catch(() => undefined);
    toBrowser.write(`${JSON.stringify({ id: nextId++, method: 'Browser.close', params: {} })}\0`, () => undefined);
    let closeTimer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise((resolve) => (closeTimer = setTimeout(resolve, CLOSE_MS)))]);
    clearTimeout(closeTimer);
    try {
      process.kill(-(browser.pid as number), 'SIGKILL');
    } catch {
      // the group has ended
    }
    await ended;
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
