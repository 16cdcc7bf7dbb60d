import { appendFile } from 'node:fs/promises';

/** A tiny structured logger: JSON lines to a file under the state directory, never to the console. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Writes log lines to `file`; failures to write are ignored because logging must never break a request. */
export function fileLogger(file: string): Logger {
  let chain = Promise.resolve();
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const line = `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`;
    chain = chain.then(() => appendFile(file, line).catch(() => undefined));
  };
  return {
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARN', m, f),
    error: (m, f) => write('ERROR', m, f),
  };
}
