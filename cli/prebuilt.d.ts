/** The types of prebuilt.js (plain JavaScript: bin.js loads it before any TypeScript can be). */

/** A bundle's record of what it was built from. */
export interface PrebuiltManifest {
  readonly format: number;
  readonly packages: string | undefined;
  readonly handlers: readonly string[];
  readonly inputs: Readonly<Record<string, string>>;
  readonly build: string;
}

/** Where the bundle and its manifest are kept. */
export function bundleDir(root: string): string;
/** The handler modules the local runner may load, as their code tags name them. */
export function handlerModules(root: string): string[];
/** Whether a bundle's manifest still describes the project as it is now. */
export function isFresh(root: string, manifest: PrebuiltManifest | undefined): boolean;
/** The manifest of a fresh bundle, built first when missing or stale; nothing without esbuild. */
export function ensurePrebuilt(root: string): Promise<PrebuiltManifest | undefined>;
/** The prebuilt command's module, built first when missing or stale; nothing without esbuild. */
export function loadPrebuilt(root: string): Promise<{ main(args: string[]): Promise<number> } | undefined>;
