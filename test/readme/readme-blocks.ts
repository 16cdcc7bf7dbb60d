/**
 * The shell commands of README.md, as the doc test runs them. Every ```sh block is preceded by a marker saying
 * whether it runs locally:
 *
 *   <!-- doc-test: local -->                    run, in a new shell on a fresh checkout of its own
 *   <!-- doc-test: local, same shell -->        run, in the shell of the block before (its variables and servers)
 *   <!-- doc-test: local, except `npm ci` (why) -->   run, all but the commands named in backquotes
 *   <!-- doc-test: not run (why) -->            shown only (it needs AWS, say)
 *
 * A command is one logical line: backslash-newlines and newlines inside quotes continue it. A trailing comment
 * `# prints TEXT` states what the command prints: the test checks the output contains TEXT.
 */

/** One command of a block, with what the README says it prints. */
export interface ReadmeCommand {
  /** The command as bash reads it (continuation lines included, the trailing comment removed). */
  readonly text: string;
  /** The trailing comment, if any. */
  readonly comment?: string;
  /** What the README says the command prints (`# prints TEXT`). */
  readonly prints?: string;
  /** The README line it starts on (1-based). */
  readonly line: number;
}

/** One ```sh block of the README. */
interface ReadmeShellBlock {
  /** The README line of the block's opening fence (1-based). */
  readonly line: number;
  /** The heading the block is under. */
  readonly heading: string;
  /** Whether the doc test runs it. */
  readonly run: boolean;
  /** Runs in the shell of the block before it. */
  readonly sameShell: boolean;
  /** Commands the marker leaves out (`except`), exactly as written in the block. */
  readonly except: readonly string[];
  /** Why a block that is not run is not run. */
  readonly reason?: string;
  readonly commands: readonly ReadmeCommand[];
}

/** The marker's grammar. */
const MARKER = /^<!-- doc-test: (local(?:, same shell)?(?:, except .+)?|not run \(.+\)) -->$/;

/** Splits a shell block into its commands. */
export function splitCommands(body: string, firstLine = 1): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let text = '';
  let comment: string | undefined;
  let quote: "'" | '"' | undefined;
  let line = firstLine;
  let startLine = firstLine;
  const finish = () => {
    const command = text.trim();
    if (command !== '') {
      const prints = comment === undefined ? undefined : /^prints (.+)$/.exec(comment)?.[1]?.trim();
      commands.push({
        text: command,
        line: startLine,
        ...(comment !== undefined ? { comment } : {}),
        ...(prints !== undefined ? { prints } : {}),
      });
    }
    text = '';
    comment = undefined;
  };
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i] as string;
    if (text.trim() === '' && quote === undefined) startLine = line;
    if (c === '\n') line += 1;
    if (quote !== undefined) {
      text += c;
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < body.length) text += body[++i];
      continue;
    }
    if (c === '\\' && body[i + 1] === '\n') {
      text += '\\\n';
      i += 1;
      line += 1;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      text += c;
    } else if (c === '#' && (text === '' || /\s$/.test(text))) {
      const end = body.indexOf('\n', i);
      const stop = end === -1 ? body.length : end;
      comment = body.slice(i + 1, stop).trim();
      i = stop - 1;
    } else if (c === '\n') {
      finish();
    } else {
      text += c;
    }
  }
  if (quote !== undefined) throw new Error(`README line ${startLine}: a quote opened here is never closed`);
  finish();
  return commands;
}

/** Every ```sh block of a README, with its marker read. A block without a valid marker is an error. */
export function readmeShellBlocks(markdown: string): ReadmeShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeShellBlock[] = [];
  let heading = '';
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const text = lines[i] as string;
    if (fence !== undefined) {
      if (text === fence) fence = undefined;
      continue;
    }
    const opening = /^(```+)(\S*)/.exec(text);
    if (opening === null) {
      if (/^#{1,6} /.test(text)) heading = text.replace(/^#+ /, '');
      continue;
    }
    fence = opening[1];
    if (opening[2] !== 'sh') continue;
    const end = lines.indexOf(fence as string, i + 1);
    if (end === -1) throw new Error(`README line ${i + 1}: a sh block is never closed`);
    const marker = MARKER.exec((lines[i - 1] ?? '').trim())?.[1];
    if (marker === undefined) {
      throw new Error(
        `README line ${i + 1}: a sh block needs a marker on the line before it: <!-- doc-test: local --> (or ', same shell', ', except \`command\` (why)'), or <!-- doc-test: not run (why) -->`,
      );
    }
    const run = marker.startsWith('local');
    const except = run ? [...(/, except (.+)$/.exec(marker)?.[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]) : [];
    blocks.push({
      line: i + 1,
      heading,
      run,
      sameShell: run && marker.includes(', same shell'),
      except: except as string[],
      ...(run ? {} : { reason: /^not run \((.+)\)$/.exec(marker)?.[1] as string }),
      commands: splitCommands(lines.slice(i + 1, end).join('\n'), i + 2),
    });
    i = end;
    fence = undefined;
  }
  return blocks;
}

/** A shell session of the doc test: a block run in a new shell and the `same shell` blocks after it. */
interface ReadmeSession {
  readonly heading: string;
  readonly line: number;
  readonly commands: readonly ReadmeCommand[];
}

/**
 * The sessions the doc test runs, in README order: the commands of every block it runs, but those the marker
 * names in `except` (each must be one of the block's commands, so a marker cannot go stale).
 */
export function readmeSessions(blocks: readonly ReadmeShellBlock[]): ReadmeSession[] {
  const sessions: { heading: string; line: number; commands: ReadmeCommand[] }[] = [];
  for (const block of blocks.filter((b) => b.run)) {
    for (const skipped of block.except) {
      if (!block.commands.some((c) => c.text === skipped)) {
        throw new Error(
          `README line ${block.line}: the marker leaves out \`${skipped}\`, which the block does not run`,
        );
      }
    }
    const commands = block.commands.filter((c) => !block.except.includes(c.text));
    const current = sessions.at(-1);
    if (block.sameShell) {
      if (current === undefined) throw new Error(`README line ${block.line}: 'same shell' but no block runs before`);
      current.commands.push(...commands);
    } else {
      sessions.push({ heading: block.heading, line: block.line, commands });
    }
  }
  return sessions;
}
