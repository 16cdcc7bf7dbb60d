/**
 * Where the deployment config file is read from, and reading it: CDK context `smwfConfig` (`cdk deploy -c
 * smwfConfig=path`), else the environment variable SMWF_CONFIG, else `smwf.config.json` at the project root when
 * it exists; without any, the stack is deployed with no schedules and follows no model package group. A file
 * that is unreadable, not JSON or breaks the contract fails synthesis with a message naming the file and each
 * bad field. No aws-cdk-lib here: the local runner's synthesis cache reads the same file on its fast path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import * as zc from 'zod/v4/core';
import { describeIssues } from '../../contracts/parse-input.ts';
import { projectRoot } from '../project-root.ts';
import { type DeploymentConfig, DeploymentConfigFile } from './contract.ts';

/** The CDK context key that names the file. */
export const CONFIG_CONTEXT_KEY = 'smwfConfig';
/** The environment variable that names the file. */
export const CONFIG_ENV = 'SMWF_CONFIG';
/** The file read when neither names one, at the project root. */
export const DEFAULT_CONFIG_FILE = 'smwf.config.json';

/** A deployment config file that cannot be used; synthesis stops with it. */
class DeploymentConfigError extends Error {
  static readonly errorName = 'DeploymentConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = DeploymentConfigError.errorName;
  }
}

/**
 * The path of the deployment config file: `contextValue` (CDK context smwfConfig), else SMWF_CONFIG, else the
 * project root's smwf.config.json when it exists, else undefined (no file). Relative paths are read from the
 * working directory.
 */
export function deploymentConfigPath(contextValue?: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = typeof contextValue === 'string' && contextValue !== '' ? contextValue : env[CONFIG_ENV];
  if (named !== undefined && named !== '') return isAbsolute(named) ? named : resolve(named);
  const fallback = join(projectRoot, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

/** Reads and checks the deployment config file at `path`, or throws DeploymentConfigError naming it and the fields. */
export function loadDeploymentConfig(path: string): DeploymentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DeploymentConfigError(`Deployment config ${path} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DeploymentConfigError(`Deployment config ${path} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const result = zc.safeParse(DeploymentConfigFile, json);
  if (!result.success) {
    throw new DeploymentConfigError(`Invalid deployment config ${path}: ${describeIssues(result.error.issues)}`, {
      cause: result.error,
    });
  }
  return result.data;
}
