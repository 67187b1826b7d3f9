import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** JSON lines on stdout (pino). GATEHOUSE_LOG_LEVEL overrides the configured level. */
export function createLogger(level: LogLevel = 'info', destination?: NodeJS.WritableStream): Logger {
  const effective = (process.env.GATEHOUSE_LOG_LEVEL as LogLevel | undefined) ?? level;
  return pino(
    { level: effective, base: { service: 'gatehouse' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
