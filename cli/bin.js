#!/usr/bin/env node
// Entry of the `smwf` command: loads the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

// The AWS SDK warns in seven lines on Node < 22, once per SDK copy; say it once, in one line, where a person reads.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 22 && process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (process.stderr.isTTY) {
    process.stderr.write(`smwf: note: AWS SDK releases after January 2027 need Node 22; this is ${process.version}\n`);
  }
}

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
