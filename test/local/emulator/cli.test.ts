import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ListEndpointsCommand } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { clients, tempStateDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../../cli/bin.js', import.meta.url));

describe('smwf local start', () => {
  it('rejects invalid arguments with exit code 2', async () => {
    expect(await main(['local', 'start', '--port', 'http'])).toBe(2);
    expect(await main(['local', 'start', '--unknown'])).toBe(2);
    expect(await main(['local', 'start', '--images', '/nonexistent/images.json'])).toBe(2);
    expect(await main(['local', 'start', '--multi-model-capacity', '0'])).toBe(2);
    expect(await main(['no-such-command'])).toBe(2);
  });

  it('prints AWS_ENDPOINT_URL, serves the AWS APIs and exits cleanly on SIGTERM', async () => {
    const stateDir = await tempStateDir();
    const child = spawn(
      process.execPath,
      [BIN, 'local', 'start', '--port', '0', '--state-dir', stateDir, '--multi-model-capacity', '5'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let stdout = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout}`)), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /AWS_ENDPOINT_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[1] as string);
          }
        });
      });
      const { sagemaker } = clients(url);

      const listed = await sagemaker.send(new ListEndpointsCommand({}));
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');

      expect(listed.Endpoints).toEqual([]);
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
