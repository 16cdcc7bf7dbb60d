import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ServiceError } from './errors.ts';
import { readJsonLines } from './fs-util.ts';

/** One event as EventBridge delivers it to targets, plus the bus it was put on. */
export interface EmulatorEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  eventBusName: string;
}

/**
 * Append-only event log (`events.jsonl` in the state directory), written in call order; without a file, kept in
 * memory (the in-process doubles).
 */
export class EventLog {
  private chain: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(events: readonly EmulatorEvent[]) => void>();
  private readonly kept: EmulatorEvent[] = [];

  /** `reportSubscriberError` hears of a subscriber that threw; the log and the other subscribers go on. */
  constructor(
    private readonly file: string | undefined,
    private readonly reportSubscriberError: (error: unknown) => void = () => undefined,
  ) {}

  /** Appends events; resolves once they are on disk and every subscriber has been told. */
  append(events: EmulatorEvent[]): Promise<void> {
    const file = this.file;
    const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
    const written = this.chain.then(async () => {
      if (file === undefined) this.kept.push(...structuredClone(events));
      else {
        await mkdir(dirname(file), { recursive: true });
        await appendFile(file, text);
      }
      if (events.length > 0) for (const listener of this.listeners) this.tell(listener, events);
    });
    // A failed write fails its own caller only: the next append still runs.
    this.chain = written.catch(() => undefined);
    return written;
  }

  private tell(listener: (events: readonly EmulatorEvent[]) => void, events: readonly EmulatorEvent[]): void {
    try {
      listener(events);
    } catch (error) {
      this.reportSubscriberError(error);
    }
  }

  /** Calls `listener` with every batch of events logged from now on, in order; returns the unsubscribe. */
  subscribe(listener: (events: readonly EmulatorEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Resolves once every append begun is done (on disk, and told to the subscribers). */
  async settled(): Promise<void> {
    let chain: Promise<void> | undefined;
    while (chain !== this.chain) {
      chain = this.chain;
      await chain;
    }
  }

  /** Every event logged so far, oldest first. */
  async readAll(): Promise<EmulatorEvent[]> {
    await this.chain;
    return this.file === undefined ? structuredClone(this.kept) : readJsonLines<EmulatorEvent>(this.file);
  }
}

interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}

/** The account every emulated resource belongs to. */
export const ACCOUNT_ID = '123456789012';

/** AWSEvents.PutEvents: validates entries like EventBridge (per-entry errors) and logs the accepted ones. */
export async function putEvents(log: EventLog, region: string, input: unknown): Promise<unknown> {
  const entries = (input as { Entries?: unknown }).Entries;
  if (!Array.isArray(entries)) {
    throw new ServiceError(
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (entries.length < 1 || entries.length > 10) {
    const bound = entries.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 10';
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value '[...]' at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  const results: Record<string, string>[] = [];
  const accepted: EmulatorEvent[] = [];
  for (const raw of entries as PutEventsEntry[]) {
    const missing = (['Source', 'DetailType', 'Detail'] as const).find(
      (k) => typeof raw[k] !== 'string' || raw[k] === '',
    );
    if (missing) {
      results.push({
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${missing} is not valid. Reason: ${missing} is a required argument.`,
      });
      continue;
    }
    let detail: unknown;
    try {
      detail = JSON.parse(raw.Detail as string);
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      results.push({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
      continue;
    }
    const id = randomUUID();
    const time = typeof raw.Time === 'number' ? new Date(raw.Time * 1000) : new Date();
    const bus = typeof raw.EventBusName === 'string' && raw.EventBusName ? raw.EventBusName : 'default';
    accepted.push({
      version: '0',
      id,
      'detail-type': raw.DetailType as string,
      source: raw.Source as string,
      account: ACCOUNT_ID,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: Array.isArray(raw.Resources) ? raw.Resources.map(String) : [],
      detail,
      eventBusName: bus.includes('/') ? (bus.split('/').at(-1) as string) : bus,
    });
    results.push({ EventId: id });
  }
  await log.append(accepted);
  return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
}
