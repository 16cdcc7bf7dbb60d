/** The synthesis cache key's view of the deployment config file: its content and its real path. */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_ENV } from '../../../infra/deployment-config/load.ts';
import { synthesisKey } from '../../../local/runner/synthesize.ts';

const IDENTITY = { account: '123456789012', region: 'us-east-1' };
let dir: string;
const saved = process.env[CONFIG_ENV];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smwf-synthesis-key-'));
});

afterEach(() => {
  if (saved === undefined) delete process.env[CONFIG_ENV];
  else process.env[CONFIG_ENV] = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('synthesisKey', () => {
  it('is the same for a config file reached through a symbolic link, and changes with its content', () => {
    const file = join(dir, 'smwf.config.json');
    writeFileSync(file, '{"resourceNamePrefix": "a-"}');
    symlinkSync(dir, join(dir, 'linked'));

    process.env[CONFIG_ENV] = file;
    const direct = synthesisKey(IDENTITY);
    process.env[CONFIG_ENV] = join(dir, 'linked', 'smwf.config.json');
    const linked = synthesisKey(IDENTITY);
    writeFileSync(file, '{"resourceNamePrefix": "b-"}');
    const changed = synthesisKey(IDENTITY);

    expect(linked).toBe(direct);
    expect(changed).not.toBe(direct);
  });

  it('keys a config file named by the caller as it keys the same file named by SMWF_CONFIG', () => {
    const file = join(dir, 'smwf.config.json');
    writeFileSync(file, '{"resourceNamePrefix": "a-"}');
    delete process.env[CONFIG_ENV];
    const withoutConfig = synthesisKey(IDENTITY);

    const named = synthesisKey(IDENTITY, file);
    process.env[CONFIG_ENV] = file;
    const fromEnvironment = synthesisKey(IDENTITY);

    expect(named).toBe(fromEnvironment);
    expect(named).not.toBe(withoutConfig);
  });
});
