import { ConfigError } from '../config/load.js';
import { startGateway, type Gateway, type ListenOverrides } from '../server/gateway.js';

/** `gatehouse serve`: start, reload on SIGHUP, drain and exit 0 on SIGTERM/SIGINT. */
export async function runServe(options: { configPath: string; overrides: ListenOverrides; watch: boolean }): Promise<number> {
  // Signal handlers go in before the listeners open, so a signal that arrives during startup is
  // never met by Node's default (an immediate kill).
  let gateway: Gateway | undefined;
  let stopRequested: string | undefined;
  let stop: ((signal: string) => void) | undefined;
  let signals = 0;
  const onStop = (signal: string): void => {
    signals++;
    if (signals > 1) {
      gateway?.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    if (stop === undefined) stopRequested = signal;
    else stop(signal);
  };
  process.on('SIGTERM', () => onStop('SIGTERM'));
  process.on('SIGINT', () => onStop('SIGINT'));
  process.on('SIGHUP', () => void gateway?.reload());

  try {
    gateway = await startGateway({ configPath: options.configPath, overrides: options.overrides, watch: options.watch });
  } catch (err) {
    if (err instanceof ConfigError) console.error(`gatehouse: ${err.message}`);
    else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
      console.error(`gatehouse: cannot listen on ${e.address}:${e.port}: the address is in use (use --port / --admin-port)`);
    } else console.error(`gatehouse: could not start: ${(err as Error).message}`);
    return 1;
  }
  const g = gateway;
  return new Promise<number>((resolve) => {
    stop = (signal) => {
      g.logger.info({ signal }, 'signal received');
      g.shutdown().then(
        () => resolve(0),
        (err: unknown) => {
          console.error(`gatehouse: shutdown failed: ${(err as Error).message}`);
          resolve(1);
        },
      );
    };
    if (stopRequested !== undefined) stop(stopRequested);
  });
}
