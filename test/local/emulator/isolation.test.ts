import { describe, expect, it } from 'vitest';
import { loadImages } from '../../../local/emulator/hosting/images.ts';
import { type HostFacts, hostTmpPathsOf, isolationTools } from '../../../local/emulator/hosting/isolation.ts';

/** A host with every tool, as root on Linux, changed by `overrides`. */
function host(overrides: Partial<HostFacts> & { missing?: string[] } = {}): HostFacts {
  const { missing = [], ...rest } = overrides;
  return {
    platform: 'linux',
    uid: 0,
    findExecutable: (name) => (missing.includes(name) ? undefined : `/usr/bin/${name}`),
    isDirectory: (path) => path === '/opt',
    ...rest,
  };
}

describe('isolationTools', () => {
  it('finds unshare, mount and ip on a Linux host where the emulator runs as root', () => {
    expect(isolationTools(host())).toEqual({ unshare: '/usr/bin/unshare', mount: '/usr/bin/mount', ip: '/usr/bin/ip' });
  });

  it.each([
    [{ platform: 'darwin' as const }, 'which needs Linux namespaces; the emulator runs on darwin'],
    [{ uid: 1000 }, 'which needs root to create mount and network namespaces; the emulator runs as uid 1000'],
    [{ missing: ['unshare'] }, 'which needs the unshare command (util-linux), not found on the PATH'],
    [{ missing: ['mount'] }, 'which needs the mount command (util-linux), not found on the PATH'],
    [
      { missing: ['ip'] },
      'which needs the ip command (iproute2) to bring up the loopback interface of the network namespace, not found on the PATH',
    ],
    [
      { isDirectory: () => false },
      'which needs the directory /opt on the host, where /opt/ml is mounted in each namespace',
    ],
  ])('says why it cannot run on a host with %o', (overrides, reason) => {
    expect(isolationTools(host(overrides))).toEqual({ unsupported: reason });
  });
});

describe('the images file option "isolation"', () => {
  it('takes "namespaces" and refuses any other value', async () => {
    const loaded = await loadImages({ images: { 'a/b:*': { command: ['serve.sh'], isolation: 'namespaces' } } });
    const refused = await loadImages({
      images: { 'a/b:*': { command: ['serve.sh'], isolation: 'docker' as 'namespaces' } },
    }).catch((err: Error) => err);

    expect(loaded.images['a/b:*']?.isolation).toBe('namespaces');
    expect((refused as Error).message).toBe('images["a/b:*"].isolation must be "namespaces" (or absent), got "docker"');
  });
});

describe('hostTmpPathsOf', () => {
  it("keeps the working directory and the folders of the command's files that lie under /tmp, outermost only", () => {
    const command = ['/usr/bin/node', '/tmp/ci/main/examples/containers/classic-byoc/server.mjs', 'serve'];

    expect(hostTmpPathsOf(command, '/tmp/ci/main')).toEqual(['/tmp/ci/main']);
    expect(hostTmpPathsOf(command, '/work/main')).toEqual(['/tmp/ci/main/examples/containers/classic-byoc']);
    expect(hostTmpPathsOf(['node', 'server.mjs', 'serve'], '/work/main')).toEqual([]);
  });
});
