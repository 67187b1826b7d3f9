#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { runServe } from './serve.js';
import { runConfigCheck } from './config-check.js';
import { addIdentityCommands } from './identity-commands.js';
import { addMcpCommands } from './mcp-commands.js';

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

const DEFAULT_CONFIG = process.env.GATEHOUSE_CONFIG ?? 'gatehouse.yaml';

const program = new Command()
  .name('gatehouse')
  .description('Gatehouse: one governed control point for AI traffic.')
  .version('0.1.0')
  .showHelpAfterError();

program
  .command('serve')
  .description('Start the gateway (data plane and admin listener).')
  .option('-c, --config <file>', 'configuration file (env GATEHOUSE_CONFIG)', DEFAULT_CONFIG)
  .option('--host <address>', 'bind address of the data plane (overrides server.host)')
  .option('-p, --port <port>', 'data-plane port (overrides server.port and PORT)', portNumber)
  .option('--admin-port <port>', 'admin port (overrides server.admin.port)', portNumber)
  .option('--no-watch', 'do not reload when the file changes (SIGHUP still reloads)')
  .action(async (opts: { config: string; host?: string; port?: number; adminPort?: number; watch: boolean }) => {
    let port = opts.port;
    if (port === undefined && process.env.PORT !== undefined && process.env.PORT !== '') {
      try {
        port = portNumber(process.env.PORT);
      } catch {
        console.error(`gatehouse: PORT="${process.env.PORT}" is not a port number`);
        process.exit(1);
      }
    }
    process.exitCode = await runServe({ configPath: opts.config, overrides: { host: opts.host, port, adminPort: opts.adminPort }, watch: opts.watch });
  });

const config = program.command('config').description('Work with configuration files.');
config
  .command('check')
  .description('Validate a configuration file and compile it, without serving. Exit 1 if it is invalid.')
  .argument('[file]', 'configuration file', DEFAULT_CONFIG)
  .action(async (file: string) => {
    process.exitCode = await runConfigCheck(file);
  });

addIdentityCommands(program, DEFAULT_CONFIG);
addMcpCommands(program, DEFAULT_CONFIG);

program
  .command('scan')
  .description('Run the PII, secret and prompt-injection detectors over JSON Lines (a string, or {"text": ...}, per line); one JSON line out per line in.')
  .argument('[files...]', 'JSON Lines files (default: stdin)')
  .addOption(new Option('--mode <mode>', 'prompt: text a user wrote; data: content arriving as data (tool results, documents)').choices(['prompt', 'data']).default('prompt'))
  .action(async (files: string[], opts: { mode: 'prompt' | 'data' }) => {
    const { runScan } = await import('./scan.js');
    process.exitCode = await runScan({ mode: opts.mode, files });
  });

await program.parseAsync(process.argv);
