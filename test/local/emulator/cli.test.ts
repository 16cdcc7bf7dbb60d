import { once } from 'node:events';
import { ListEndpointsCommand } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { clients, spawnLocalStart, tempStateDir } from './helpers.ts';

describe('smwf local start', () => {
  it('rejects invalid arguments with exit code 2', async () => {
    expect(await main(['local', 'start', '--port', 'http'])).toBe(2);
    expect(await main(['local', 'start', '--unknown'])).toBe(2);
    expect(await main(['local', 'start', '--images', '/nonexistent/images.json'])).toBe(2);
    expect(await main(['local', 'start', '--multi-model-capacity', '0'])).toBe(2);
    expect(await main(['no-such-command'])).toBe(2);
  });

  it('prints AWS_ENDPOINT_URL, serves the AWS APIs, and on SIGTERM stops, says so in one line and exits 143', async () => {
    const stateDir = await tempStateDir();
    const { url, child, output } = await spawnLocalStart([
      '--port',
      '0',
      '--state-dir',
      stateDir,
      '--multi-model-capacity',
      '5',
    ]);
    try {
      const { sagemaker } = clients(url);

      const listed = await sagemaker.send(new ListEndpointsCommand({}));
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;

      expect(listed.Endpoints).toEqual([]);
      expect(output().trimEnd().split('\n').at(-1)).toBe(
        'smwf local start: interrupted (SIGTERM): stopped 0 model processes',
      );
      expect(code).toBe(143);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
