import { appendFileSync } from 'node:fs';

/** A tiny structured logger: JSON lines to a file under the state directory, never to the console. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Writes log lines to `file`, each before `write` returns: a line about a request (a role's denial, a dropped capture
 * record) is in the file before the request is answered, so whoever got the answer can read why. The emulator logs
 * warnings and rare events, not each request it serves. Failures to write are ignored: logging must never break a
 * request.
 */
export function fileLogger(file: string): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const line = `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`;
    try {
      appendFileSync(file, line);
    } catch {
      // a full disk or a removed state directory: the request goes on
    }
  };
  return {
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARN', m, f),
    error: (m, f) => write('ERROR', m, f),
  };
}
