#!/usr/bin/env node
// Entry of the `smwf` command: runs the TypeScript CLI from its prebuilt bundle (prebuilt.js: rebuilt whenever a
// source changed, so never stale), or through tsx when there is none; either way no build step is needed.
import { fileURLToPath } from 'node:url';
import { loadPrebuilt } from './prebuilt.js';

// The AWS SDK warns in seven lines on Node < 22, once per SDK copy; say it once, in one line, where a person reads.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 22 && process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (process.stderr.isTTY) {
    process.stderr.write(`smwf: note: AWS SDK releases after January 2027 need Node 22; this is ${process.version}\n`);
  }
}

/** The CLI's `main`: the bundle's, or, without one (or when a source does not build), the source's through tsx. */
async function loadMain() {
  try {
    const prebuilt = await loadPrebuilt(fileURLToPath(new URL('..', import.meta.url)));
    if (prebuilt !== undefined) return prebuilt.main;
  } catch {
    // A source esbuild cannot build: tsx reports it as it would without a bundle.
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('./main.ts')).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
