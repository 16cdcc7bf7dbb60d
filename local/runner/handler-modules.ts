/**
 * Where the local runner gets a Lambda function's handler module (its `sagemaker-workflows:code` tag, relative to
 * the project root): from source, or, in the `smwf` command's prebuilt bundle (cli/prebuilt.js), from the copy
 * bundled with it, which the bundle's entry registers here before the command runs.
 */
import { join } from 'node:path';
import { projectRoot } from '../../infra/project-root.ts';
import type { TaskHandler } from '../../tasks/registry.ts';

/** A handler module, loaded. */
export interface HandlerModule {
  handler: TaskHandler;
}

let bundled: ReadonlyMap<string, () => Promise<HandlerModule>> | undefined;

/** Registers the handler modules bundled with the `smwf` command, by code tag (cli/prebuilt.js's entry calls it). */
export function useBundledHandlerModules(modules: Record<string, () => Promise<HandlerModule>>): void {
  bundled = new Map(Object.entries(modules));
}

/** The handler module of a function, by its code tag. */
export function loadHandlerModule(code: string): Promise<HandlerModule> {
  if (bundled === undefined) return import(join(projectRoot, code));
  const load = bundled.get(code);
  if (load === undefined) {
    // The bundle is rebuilt when the set of handler modules changes (cli/prebuilt.js): this is a code tag of no file.
    return Promise.reject(new Error(`no handler module ${code} in the smwf command's bundle`));
  }
  return load();
}
