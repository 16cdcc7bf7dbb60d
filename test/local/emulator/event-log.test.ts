import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmulatorEvent, EventLog } from '../../../local/emulator/events.ts';

const event = (id: string): EmulatorEvent => ({
  version: '0',
  id,
  'detail-type': 'Test',
  source: 'test',
  account: '123456789012',
  time: '2026-12-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {},
  eventBusName: 'default',
});

describe('the event log', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps logging and telling the other subscribers when one subscriber throws', async () => {
    dir = await mkdtemp(join(tmpdir(), 'smwf-event-log-'));
    const reported: unknown[] = [];
    const log = new EventLog(join(dir, 'events.jsonl'), (error) => reported.push(error));
    const seen: string[] = [];
    log.subscribe(() => {
      throw new Error('subscriber bug');
    });
    log.subscribe((events) => seen.push(...events.map((e) => e.id)));

    await log.append([event('a')]);
    await log.append([event('b')]);

    expect(seen).toEqual(['a', 'b']);
    expect((await log.readAll()).map((e) => e.id)).toEqual(['a', 'b']);
    expect(reported).toEqual([new Error('subscriber bug'), new Error('subscriber bug')]);
  });

  it('fails only the append whose write failed; the next one is still logged', async () => {
    dir = await mkdtemp(join(tmpdir(), 'smwf-event-log-'));
    // A directory where the file should be: the first write fails.
    const file = join(dir, 'events.jsonl');
    const { mkdir, rmdir } = await import('node:fs/promises');
    await mkdir(file);
    const log = new EventLog(file);

    await expect(log.append([event('a')])).rejects.toThrow();
    await rmdir(file);
    await log.append([event('b')]);

    expect((await log.readAll()).map((e) => e.id)).toEqual(['b']);
  });
});
