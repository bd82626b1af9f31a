import { type CliIo, EXIT, UsageError } from './cli-args';
import { ANALYZE_HELP, analyzeCommand } from './analyze.command';
import { EVAL_HELP, evalCommand } from './eval.command';
import { SIMULATE_HELP, simulateCommand } from './simulate.command';

export const HELP = `flowguard <command> [options]

Commands:
  simulate   generate labeled VPC flow logs with injected attacks
  eval       score the detectors against simulated or labeled data (precision, recall, FP entities)
  analyze    run the detectors over flow-log files and print findings (JSON Lines or OCSF)

Run \`flowguard <command> --help\` for the options of a command.
Exit codes: 0 ok, 1 runtime error, 2 usage error.
`;

const COMMANDS: Record<string, { help: string; run: (args: string[], io: CliIo) => number | Promise<number> }> = {
  simulate: { help: SIMULATE_HELP, run: simulateCommand },
  eval: { help: EVAL_HELP, run: evalCommand },
  analyze: { help: ANALYZE_HELP, run: analyzeCommand },
};

/** Run one CLI invocation; returns the exit code. Never throws for bad input. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(HELP);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.stderr.write(`flowguard: unknown command "${name}"\n\n${HELP}`);
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.help);
    return EXIT.OK;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`flowguard ${name}: ${e.message}\n\n${cmd.help}`);
      return EXIT.USAGE;
    }
    io.stderr.write(`flowguard ${name}: ${(e as Error).message}\n`);
    if (process.env['FLOWGUARD_DEBUG']) io.stderr.write(`${(e as Error).stack}\n`);
    return EXIT.RUNTIME;
  }
}
