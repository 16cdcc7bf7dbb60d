import { describe, expect, it } from 'vitest';
import { describeConflict, parseListeningUnixSockets } from '../../../local/emulator/hosting/address-conflicts.ts';

// /proc/net/unix as the kernel prints it: a listening socket (Flags __SO_ACCEPTCON), a connection accepted on it
// (same path, not listening), an abstract one, an unnamed datagram socket and a listening path with a space.
const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 20593 /tmp/gunicorn.sock
0000000000000000: 00000003 00000000 00000000 0001 03 21346 /tmp/gunicorn.sock
0000000000000000: 00000002 00000000 00010000 0001 01 31337 @/tmp/.X11-unix/X0
0000000000000000: 00000002 00000000 00000000 0002 01 12345
0000000000000000: 00000002 00000000 00010000 0001 01 4242 /tmp/with space.sock
`;

describe('address-conflicts', () => {
  it('keeps the listening unix sockets bound to a filesystem path, with their inode', () => {
    expect(parseListeningUnixSockets(UNIX)).toEqual([
      { inode: '20593', path: '/tmp/gunicorn.sock' },
      { inode: '4242', path: '/tmp/with space.sock' },
    ]);
  });

  it('names the port and what holds it when the other listener is not a container', () => {
    expect(describeConflict({ kind: 'tcp', address: '9000', otherPid: 77, otherIsContainer: false })).toBe(
      'listens on TCP port 9000, which another process on this machine (pid 77) listens on too: two plain-process containers on one port answer each other\'s requests. A program with a fixed port runs unchanged in the emulator\'s isolation mode ("isolation": "namespaces" in the images file); otherwise it must listen on SAGEMAKER_BIND_TO_PORT',
    );
  });
});
