import { UsageError } from './commands/args.ts';

/** One `smwf` command: its words, one-line summary and entry point (loaded on use, so each starts fast). */
interface Command {
  words: string[];
  summary: string;
  run(args: string[]): Promise<number>;
}

const commands: Command[] = [
  {
    words: ['demo'],
    summary: 'deploy, update and roll back an example model end to end on this machine',
    run: async (args) => (await import('./commands/demo.ts')).demo(args),
  },
  {
    words: ['run'],
    summary: 'run a state machine locally (or on AWS with --aws) and follow it',
    run: async (args) => (await import('./commands/run.ts')).run(args),
  },
  {
    words: ['redrive'],
    summary: 'redrive a failed, aborted or timed-out execution from the state it did not finish',
    run: async (args) => (await import('./commands/redrive.ts')).redrive(args),
  },
  {
    words: ['schema'],
    summary: "print the JSON Schema of a state machine's input",
    run: async (args) => (await import('./commands/schema.ts')).schema(args),
  },
  {
    words: ['diagram'],
    summary: 'print a Mermaid flowchart of a state machine',
    run: async (args) => (await import('./commands/diagram.ts')).diagram(args),
  },
  {
    words: ['docs'],
    summary: 'regenerate the committed schemas and README diagram (--check: fail if stale)',
    run: async (args) => (await import('./commands/docs.ts')).docs(args),
  },
  {
    words: ['local', 'start'],
    summary: 'run the local SageMaker/S3/EventBridge emulator',
    run: async (args) => (await import('./commands/local-start.ts')).localStart(args),
  },
];

function usage(): string {
  const lines = commands.map((c) => `  smwf ${c.words.join(' ').padEnd(20)} ${c.summary}`);
  return `Usage: smwf <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'smwf <command> --help' for a command's options.`;
}

/** Runs the `smwf` command with its arguments and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    console.log(usage());
    return args.length === 0 ? 2 : 0;
  }
  const command = commands.find((c) => c.words.every((w, i) => args[i] === w));
  if (!command) {
    const typed = args.filter((a) => !a.startsWith('-')).join(' ');
    console.error(`smwf: unknown command '${typed}'. Run 'smwf --help'.`);
    return 2;
  }
  try {
    return await command.run(args.slice(command.words.length));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`smwf ${command.words.join(' ')}: ${err.message}`);
      return 2;
    }
    console.error(`smwf ${command.words.join(' ')}: ${(err as Error).message}`);
    return 1;
  }
}
