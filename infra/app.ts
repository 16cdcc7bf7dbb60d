#!/usr/bin/env node
// Entry of the CDK app (`npx cdk synth`, `npx cdk deploy`).
import { buildApp } from './build-app.ts';

const { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: region } = process.env;
const { app } = buildApp({
  stackProps: { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } },
});
app.synth();
