import { ConfigError } from '../config/env.loader';
import { createServiceApp, listenServiceApp, type ServiceApp, type ServiceAppOptions } from './bootstrap';

/** EX_CONFIG from sysexits.h: restarting will not help until the configuration changes. */
export const EXIT_CONFIG = 78;

/**
 * Entry point of a service process: build the options (service config is
 * validated there too), create and start the app, and turn any boot failure
 * into one readable line on stderr and a non-zero exit code.
 */
export async function runService(
  build: () => ServiceAppOptions,
  afterListen?: (app: ServiceApp, url: string) => Promise<void>,
): Promise<ServiceApp | undefined> {
  try {
    const s = await createServiceApp(build());
    process.on('unhandledRejection', (reason) => s.logger.error({ err: reason }, 'unhandled promise rejection'));
    const url = await listenServiceApp(s);
    if (afterListen) await afterListen(s, url);
    return s;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`flowguard: ${e.message}\n`);
      process.exitCode = EXIT_CONFIG;
    } else {
      process.stderr.write(`flowguard: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    }
    return undefined;
  }
}
