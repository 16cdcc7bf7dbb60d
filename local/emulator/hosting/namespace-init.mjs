#!/usr/bin/env node
// Process 1 of an isolated container (the emulator's isolation mode, see isolation.ts): started by
// `unshare --pid --fork --kill-child --mount-proc --mount --net` with one argument, the JSON NamespaceConfig.
//
// 1. brings up the loopback interface of the fresh network namespace;
// 2. mounts a scratch tmpfs (private to the namespace) on `<scratchDir>/ns`, lays an overlay over /opt whose
//    changes go there, mounts a tmpfs on /opt/ml and the model read-only on /opt/ml/model;
// 3. listens on the relay socket (a host path, so the emulator can connect) and relays each connection to
//    127.0.0.1:<port> inside the namespace;
// 4. mounts a tmpfs on /tmp (after the relay socket exists: the host's /tmp is hidden from then on, but for the
//    host folders under /tmp the command needs, its working directory and its files, bound in at their own paths);
// 5. runs the container's command in a process group of its own, and exits with it: the kernel then kills whatever
//    else runs in the namespace.
// SIGTERM (the emulator stopping the container) goes to every process of the namespace.
// Status lines go to fd 3, one JSON object each: {"ready":true}, {"setupFailed":"..."}, {"exit":{"code","signal"}}.
// Written as plain JavaScript so that it starts without a TypeScript loader.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { constants } from 'node:os';
import { join, relative } from 'node:path';

const config = JSON.parse(process.argv[2] ?? '{}');

function report(status) {
  try {
    writeSync(3, `${JSON.stringify(status)}\n`);
  } catch {
    // the emulator is gone: nobody to tell
  }
}

function fail(message) {
  process.stderr.write(`smwf isolation: ${message}\n`);
  report({ setupFailed: message });
  process.exit(125);
}

function run(what, file, args) {
  try {
    execFileSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    fail(`could not ${what}: ${err.stderr?.toString().trim() || err.message}`);
  }
}

let child;
// Process 1 of a PID namespace gets only the signals it handles.
process.on('SIGTERM', () => {
  if (!child) process.exit(143);
  try {
    process.kill(-1, 'SIGTERM'); // every process of the namespace but this one
  } catch {
    // nothing else runs
  }
});

run('bring up the loopback interface', config.ip, ['link', 'set', 'lo', 'up']);
const scratch = join(config.scratchDir, 'ns');
run('mount the scratch tmpfs', config.mount, ['-t', 'tmpfs', '-o', 'mode=0700', 'smwf-scratch', scratch]);
try {
  mkdirSync(join(scratch, 'opt-changes'));
  mkdirSync(join(scratch, 'opt-work'));
} catch (err) {
  fail(`could not prepare the scratch tmpfs: ${err.message}`);
}
run('lay an overlay over /opt', config.mount, [
  '-t',
  'overlay',
  '-o',
  `lowerdir=/opt,upperdir=${join(scratch, 'opt-changes')},workdir=${join(scratch, 'opt-work')}`,
  'smwf-opt',
  '/opt',
]);
try {
  mkdirSync('/opt/ml', { recursive: true });
} catch (err) {
  fail(`could not create /opt/ml: ${err.message}`);
}
run('mount a tmpfs on /opt/ml', config.mount, ['-t', 'tmpfs', '-o', 'mode=0755', 'smwf-ml', '/opt/ml']);
try {
  mkdirSync('/opt/ml/model');
} catch (err) {
  fail(`could not create /opt/ml/model: ${err.message}`);
}
run('mount the model read-only on /opt/ml/model', config.mount, [
  '--bind',
  '-o',
  'ro',
  config.modelDir,
  '/opt/ml/model',
]);

const relay = createServer((client) => {
  const upstream = connect({ host: '127.0.0.1', port: config.port });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
  client.pipe(upstream);
  upstream.pipe(client);
});
relay.on('error', (err) => fail(`could not listen on the relay socket ${config.relaySocket}: ${err.message}`));
relay.listen(config.relaySocket, () => {
  // The private /tmp is built aside (the host folders the command needs bound into it at their own paths), then
  // moved over /tmp in one step.
  const newTmp = join(scratch, 'tmp');
  try {
    mkdirSync(newTmp);
  } catch (err) {
    fail(`could not prepare the private /tmp: ${err.message}`);
  }
  run('mount a tmpfs on /tmp', config.mount, ['-t', 'tmpfs', '-o', 'mode=1777', 'smwf-tmp', newTmp]);
  for (const folder of config.keepPaths ?? []) {
    const inside = join(newTmp, relative('/tmp', folder));
    try {
      mkdirSync(inside, { recursive: true });
    } catch (err) {
      fail(`could not keep ${folder} in the private /tmp: ${err.message}`);
    }
    run(`keep ${folder} in the private /tmp`, config.mount, ['--bind', folder, inside]);
  }
  run('mount a tmpfs on /tmp', config.mount, ['--move', newTmp, '/tmp']);
  report({ ready: true });
  const [command, ...args] = config.command;
  child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ignore'], detached: true });
  child.once('error', (err) => {
    process.stderr.write(`smwf: could not start ${command}: ${err.message}\n`);
    report({ exit: { code: 127, signal: null } });
    process.exit(127);
  });
  child.once('exit', (code, signal) => {
    report({ exit: { code, signal } });
    process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
  });
});
