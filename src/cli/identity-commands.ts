import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfigFile } from '../config/load.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { keyView } from '../admin/resource-views.js';
import { parseDurationSeconds } from '../identity/durations.js';
import { openGatewayServices, type OpenedServices } from '../identity/open-services.js';

function duration(value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined) throw new InvalidArgumentError('must be a duration such as 90s, 15m, 12h or 30d (at most 10 years)');
  return seconds;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Runs one command against the store the configuration names — the same store a running gateway
 * uses, so a key created here works there at once (after its key cache, for revocations).
 */
async function withServices(configPath: string, work: (opened: OpenedServices) => Promise<unknown>): Promise<number> {
  let opened: OpenedServices | undefined;
  try {
    const config = await loadConfigFile(configPath);
    opened = await openGatewayServices(config, configPath);
    if (opened.identity === undefined) {
      console.error(`${configPath}: no \`identity\` section, so there is no key store (see docs/identity.md).`);
      return 1;
    }
    const out = await work(opened);
    if (out !== undefined) console.log(typeof out === 'string' ? out : JSON.stringify(out, null, 2));
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof GatehouseError) console.error(`gatehouse: ${err.code}: ${err.message}`);
    else console.error(`gatehouse: ${(err as Error).message}`);
    return 1;
  } finally {
    await opened?.close();
  }
}

export function addIdentityCommands(program: Command, defaultConfig: string): void {
  const keys = program.command('keys').description('Manage virtual API keys in the identity store.');
  keys
    .command('create')
    .description('Create a key for a consumer (created with its team if new). Prints the key once: store it now.')
    .requiredOption('--consumer <name>', 'who the key belongs to')
    .option('--team <name>', 'the consumer’s team (for a new consumer)')
    .addOption(new Option('--kind <kind>', 'kind of a new consumer').choices(['consumer', 'service', 'agent']))
    .option('--name <label>', 'a label for this key')
    .option('--models <globs>', 'comma-separated models or globs this key may use', list)
    .option('--expires <duration>', 'lifetime, e.g. 30d', duration)
    .option('-c, --config <file>', 'configuration file', defaultConfig)
    .option('--json', 'print JSON')
    .action(async (o: { consumer: string; team?: string; kind?: 'consumer'; name?: string; models?: string[]; expires?: number; config: string; json?: boolean }) => {
      process.exitCode = await withServices(o.config, async ({ identity }) => {
        const issued = await identity!.createKey({ consumer: o.consumer, team: o.team, kind: o.kind, name: o.name, models: o.models, expiresInSeconds: o.expires });
        if (o.json === true) return { ...keyView(issued.key), key: issued.secret };
        const expiry = issued.key.expiresAt === undefined ? 'never expires' : `expires ${new Date(issued.key.expiresAt).toISOString()}`;
        return `${issued.secret}\n\nid ${issued.key.id} · consumer ${issued.key.consumer} · ${expiry}\nThis is the only time the key is shown: store it now.`;
      });
    });
  keys
    .command('list')
    .description('List keys (never their secrets).')
    .option('--consumer <name>', 'only this consumer’s keys')
    .option('-c, --config <file>', 'configuration file', defaultConfig)
    .action(async (o: { consumer?: string; config: string }) => {
      process.exitCode = await withServices(o.config, async ({ identity }) => (await identity!.store.listKeys({ consumer: o.consumer })).map((k) => keyView(k)));
    });
  keys
    .command('revoke')
    .description('Revoke a key: refused from now on (other replicas within their key cache time).')
    .argument('<id>', 'key id')
    .option('-c, --config <file>', 'configuration file', defaultConfig)
    .action(async (id: string, o: { config: string }) => {
      process.exitCode = await withServices(o.config, async ({ identity }) => keyView(await identity!.revokeKey(id)));
    });
  keys
    .command('rotate')
    .description('Issue a new secret for a key; the old one keeps working for the grace period.')
    .argument('<id>', 'key id')
    .option('--grace <duration>', 'how long the old secret still works, e.g. 1h (default: stops now)', duration)
    .option('-c, --config <file>', 'configuration file', defaultConfig)
    .action(async (id: string, o: { grace?: number; config: string }) => {
      process.exitCode = await withServices(o.config, async ({ identity }) => {
        const rotated = await identity!.rotateKey(id, o.grace ?? 0);
        return { ...keyView(rotated.key), key: rotated.secret, previous: keyView(rotated.previous) };
      });
    });

  const agents = program.command('agents').description('Agents: non-human identities with short-lived tokens.');
  agents
    .command('token')
    .description('Mint a short-lived token for an agent (declared in `identity.consumers` with kind: agent, or made with the admin API).')
    .argument('<name>', 'agent name')
    .option('--ttl <duration>', 'lifetime, e.g. 10m (default and maximum: identity.agentTokens)', duration)
    .option('-c, --config <file>', 'configuration file', defaultConfig)
    .option('--json', 'print JSON')
    .action(async (name: string, o: { ttl?: number; config: string; json?: boolean }) => {
      process.exitCode = await withServices(o.config, async ({ identity, agentTokens }) => {
        const agent = await identity!.store.getConsumer(name);
        if (agent === undefined) throw new GatehouseError('resource_not_found', `No agent "${name}".`);
        const minted = await agentTokens!.mint(agent, o.ttl);
        if (o.json === true) return { token: minted.token, expires_at: new Date(minted.expiresAt).toISOString(), kid: minted.kid, token_id: minted.tokenId };
        return minted.token;
      });
    });
}
