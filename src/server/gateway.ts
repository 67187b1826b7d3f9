import { watch, type FSWatcher } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { renderOpenAIError } from '../llm/formats/openai-errors.js';
import type { AddressInfo, Server } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError, loadConfigFile } from '../config/load.js';
import { Runtime } from '../config/runtime.js';
import type { GatehouseConfig, ServerConfig } from '../config/schema.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { createAdminHandler } from './admin.js';
import { openGatewayServices, type OpenedServices } from '../identity/open-services.js';
import { createDataPlaneHandler } from './data-plane.js';
import type { TlsListenerConfig } from './tls-config.js';
import { createTlsListener, TlsFileError } from './tls-listener.js';
import { openMcpHub } from '../mcp/open-hub.js';
import { GatewayResponse } from './gateway-response.js';
import { applyHeapGrowth } from './heap-growth.js';

/** Command-line and environment overrides of the file's listener settings. */
export interface ListenOverrides {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly adminPort?: number | undefined;
}

export interface GatewayOptions {
  readonly configPath: string;
  readonly overrides?: ListenOverrides;
  /** Watch the file and reload on change (SIGHUP always reloads when signals are installed). */
  readonly watch?: boolean;
  readonly logger?: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ReloadResult {
  readonly ok: boolean;
  readonly version?: string;
  readonly error?: string;
}

export interface Gateway {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly adminUrl: string;
  /** e.g. https://127.0.0.1:8443, when `server.tls` is configured. */
  readonly tlsUrl?: string;
  readonly logger: Logger;
  runtime(): Runtime;
  /** Loads, validates and compiles the file again; swaps it in only if all of that succeeded. */
  reload(): Promise<ReloadResult>;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then closes. */
  shutdown(): Promise<void>;
}

/** Listener settings a running process cannot change; a reload that changes them warns. */
const RESTART_ONLY_SETTINGS = ['host', 'port', 'admin', 'headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'tls'] as const;

/** Identity settings fixed when the store and token service opened (a reload that changes them warns). */
const IDENTITY_RESTART_ONLY = ['store', 'keyCacheSeconds', 'agentTokens'] as const;

/** Client timeouts of a data listener (plain or TLS), so both treat slow and idle clients alike. */
export function dataListenerOptions(server: ServerConfig): ServerOptions {
  return {
    headersTimeout: server.headersTimeoutMs,
    // The body deadline is enforced by readBody (with a JSON 408); Node's own is a backstop after it.
    requestTimeout: server.requestTimeoutMs === 0 ? 0 : server.headersTimeoutMs + server.requestTimeoutMs + 2000,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    // How often Node enforces the two timeouts above (its default, 30 s, makes them imprecise).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, server.headersTimeoutMs / 2)),
    ServerResponse: GatewayResponse,
  };
}

export function applyOverrides(config: GatehouseConfig, overrides: ListenOverrides): GatehouseConfig {
  return {
    ...config,
    server: {
      ...config.server,
      host: overrides.host ?? config.server.host,
      port: overrides.port ?? config.server.port,
      admin: { ...config.server.admin, port: overrides.adminPort ?? config.server.admin.port },
    },
  };
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const configPath = resolve(options.configPath);
  const overrides = options.overrides ?? {};
  const env = options.env ?? process.env;
  const fromFile = await loadConfigFile(configPath, env);
  const first = applyOverrides(fromFile, overrides);
  const logger = options.logger ?? createLogger(first.logging.level);
  const heapGrowth = applyHeapGrowth(first.server.heapGrowthPercent).applied;
  // The identity store stays open across reloads (its location is restart-only).
  const services = await openServices(first, configPath);
  let mcp: Awaited<ReturnType<typeof openMcpHub>>;
  try {
    mcp = await openMcpHub(first, configPath, logger);
  } catch (err) {
    await services.close();
    throw err;
  }
  let current: Runtime;
  try {
    current = new Runtime(first, fromFile, services.services);
  } catch (err) {
    await mcp.close();
    await services.close();
    throw err;
  }
  let shuttingDown = false;
  let closingConnections = false;
  // Requests being handled, with their responses, so shutdown can wait for them and close their connections.
  const inFlight = new Map<Promise<void>, ServerResponse>();
  const startedAt = new Date();

  const handler = createDataPlaneHandler({
    runtime: () => current,
    mcp: mcp.hub,
    logger,
    shuttingDown: () => shuttingDown,
    closingConnections: () => closingConnections,
    track(done, res) {
      inFlight.set(done, res);
      // One callback for both outcomes (`finally` costs three more promises per request). The
      // handler renders its own errors, so a rejection here is a gateway bug: logged, not fatal.
      const settled = (err?: unknown): void => {
        inFlight.delete(done);
        if (err !== undefined) logger.error({ err: err instanceof Error ? err.message : String(err) }, 'request handler failed');
        // While draining, a connection whose last response is done is closed instead of kept alive.
        if (shuttingDown) for (const server of dataListeners) server.closeIdleConnections();
      };
      done.then(settled, settled);
    },
  });
  const data = createServer(dataListenerOptions(first.server), handler);
  // The optional mTLS listener serves the same handler; its files are checked before any port opens.
  const tlsConfig = first.server.tls;
  const tls = tlsConfig === undefined ? undefined : await openTlsListener(configPath, tlsConfig, handler, dataListenerOptions(first.server));
  const dataListeners = tls === undefined ? [data] : [data, tls];
  const admin = createServer(
    createAdminHandler({
      runtime: () => current,
      shuttingDown: () => shuttingDown,
      startedAt,
      api: { token: () => current.config.server.admin.token, identity: () => services.identity, agentTokens: () => services.agentTokens, logger },
    }),
  );
  // A malformed request line or header, or a client too slow to send its request, never reaches a
  // handler: answer with a JSON error and close, never a stack trace.
  for (const server of [...dataListeners, admin]) server.on('clientError', answerClientError);

  const opened: Server[] = [];
  try {
    await listen(data, first.server.port, first.server.host);
    opened.push(data);
    await listen(admin, first.server.admin.port, first.server.admin.host);
    opened.push(admin);
    if (tls !== undefined && tlsConfig !== undefined) await listen(tls, tlsConfig.port, tlsConfig.host);
  } catch (err) {
    for (const server of opened) server.close();
    await current.close();
    await mcp.close();
    await services.close();
    throw err;
  }
  const url = `http://${hostForUrl(first.server.host)}:${(data.address() as AddressInfo).port}`;
  const adminUrl = `http://${hostForUrl(first.server.admin.host)}:${(admin.address() as AddressInfo).port}`;
  const tlsUrl = tls === undefined || tlsConfig === undefined ? undefined : `https://${hostForUrl(tlsConfig.host)}:${(tls.address() as AddressInfo).port}`;

  let reloading: Promise<ReloadResult> | undefined;
  async function doReload(): Promise<ReloadResult> {
    try {
      const nextFromFile = await loadConfigFile(configPath, env);
      const wanted = applyOverrides(nextFromFile, overrides);
      const restartOnly = RESTART_ONLY_SETTINGS.filter((key) => JSON.stringify(wanted.server[key]) !== JSON.stringify(first.server[key]));
      // Settings fixed when the listeners opened stay as they are in force, so the runtime says
      // what the process actually does, and every reload warns until a restart applies them.
      const next: GatehouseConfig = { ...wanted, server: { ...wanted.server, ...pick(first.server, RESTART_ONLY_SETTINGS) } };
      const runtime = new Runtime(next, nextFromFile, services.services);
      if (runtime.version === current.version) {
        void runtime.close();
        return { ok: true, version: current.version };
      }
      if (first.identity === undefined && next.identity !== undefined) {
        void runtime.close();
        throw new Error('the `identity` section was added: restart the gateway to open its store');
      }
      if (first.mcp === undefined && next.mcp !== undefined) {
        void runtime.close();
        throw new Error('the `mcp` section was added: restart the gateway to open its tool-pin store');
      }
      const identityRestartOnly = IDENTITY_RESTART_ONLY.filter((key) => JSON.stringify(next.identity?.[key]) !== JSON.stringify(first.identity?.[key]));
      if (identityRestartOnly.length > 0) {
        logger.warn({ settings: identityRestartOnly.map((k) => `identity.${k}`) }, 'these settings changed in the configuration; they take effect on restart');
      }
      // Declared teams and consumers are written before the new runtime serves; a store that
      // cannot take them rejects the reload (the old configuration keeps serving).
      try {
        await services.sync(next);
      } catch (err) {
        void runtime.close();
        throw err;
      }
      if (restartOnly.length > 0) logger.warn({ settings: restartOnly.map((k) => `server.${k}`) }, 'these settings changed in the configuration; they take effect on restart');
      if (process.env.GATEHOUSE_LOG_LEVEL === undefined && options.logger === undefined) logger.level = next.logging.level;
      const previous = current;
      current = runtime;
      const heapGrowthChanged = next.server.heapGrowthPercent !== previous.config.server.heapGrowthPercent;
      const heapGrowthNow = heapGrowthChanged ? (applyHeapGrowth(next.server.heapGrowthPercent).applied ?? 'node flag') : undefined;
      mcp.hub.configure(next.mcp);
      previous.retire();
      logger.info(
        { configVersion: runtime.version, previous: previous.version, ...(heapGrowthNow === undefined ? {} : { heapGrowthPercent: heapGrowthNow }) },
        'configuration reloaded',
      );
      return { ok: true, version: runtime.version };
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : `could not load the configuration: ${(err as Error).message}`;
      logger.error({ config: configPath, problems: err instanceof ConfigError ? err.problems : undefined }, `reload rejected, still serving version ${current.version}: ${message}`);
      return { ok: false, error: message };
    }
  }
  const reload = (): Promise<ReloadResult> => {
    if (shuttingDown) return Promise.resolve({ ok: false, error: 'the gateway is shutting down' });
    // Reloads never overlap: a change during a reload queues one more.
    const run = (reloading ?? Promise.resolve()).then(doReload);
    reloading = run;
    return run;
  };

  let watcher: FSWatcher | undefined;
  let watchTimer: NodeJS.Timeout | undefined;
  if (options.watch) {
    const file = basename(configPath);
    // Watch the directory: editors replace the file by rename, which a file watch misses, and a
    // Kubernetes ConfigMap volume swaps its `..data` symlink instead of touching the file. A
    // reload whose result equals the running configuration changes nothing.
    watcher = watch(dirname(configPath), (_event, name) => {
      if (name !== null && name !== file && !name.startsWith('..')) return;
      clearTimeout(watchTimer);
      watchTimer = setTimeout(() => void reload(), 100);
    });
    watcher.on('error', (err) => logger.warn({ err: err.message }, 'config watcher failed; reload with SIGHUP'));
  }
  // Announced only once the watcher is in place: a change made right after this line is seen.
  logger.info({ url, adminUrl, tlsUrl, config: configPath, configVersion: current.version, models: first.models.map((m) => m.name), heapGrowthPercent: heapGrowth ?? 'node flag' }, 'gatehouse listening');

  let stopping: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    shuttingDown = true;
    mcp.hub.beginShutdown();
    watcher?.close();
    clearTimeout(watchTimer);
    const deadline = current.config.server.shutdownTimeoutMs;
    logger.info({ inFlight: inFlight.size, deadlineMs: deadline }, 'shutting down: draining in-flight requests');
    const closed = Promise.all(dataListeners.map((server) => new Promise<void>((r) => server.close(() => r()))));
    for (const server of dataListeners) server.closeIdleConnections();
    // Responses not yet started tell their client to open a new connection (to another replica).
    for (const res of inFlight.values()) if (!res.headersSent) res.setHeader('connection', 'close');
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), deadline)));
    let timedOut = false;
    // Wait until nothing is in flight: a request that arrives on a kept-alive connection while
    // draining is waited for too.
    while (inFlight.size > 0 && !timedOut) {
      timedOut = await Promise.race([Promise.allSettled([...inFlight.keys()]).then(() => false), expired]);
    }
    clearTimeout(timer);
    if (timedOut) logger.warn({ inFlight: inFlight.size }, 'shutdown deadline passed; closing remaining connections');
    closingConnections = true;
    for (const server of dataListeners) server.closeAllConnections();
    await closed;
    // The admin listener stays up while draining, so orchestrators see /readyz answer 503.
    admin.close();
    admin.closeAllConnections();
    await reloading;
    await current.close();
    await mcp.close();
    await services.close();
    logger.info('gatehouse stopped');
    await new Promise<void>((r) => logger.flush(() => r()));
  }

  return {
    url,
    adminUrl,
    ...(tlsUrl === undefined ? {} : { tlsUrl }),
    logger,
    runtime: () => current,
    reload,
    shutdown: () => (stopping ??= shutdown()),
  };
}

/** The identity store, opened and migrated; a store that cannot be opened fails the start with a clear message. */
async function openServices(config: GatehouseConfig, configPath: string): Promise<OpenedServices> {
  try {
    return await openGatewayServices(config, configPath);
  } catch (err) {
    if (err instanceof GatehouseError) throw new ConfigError(configPath, [{ path: 'identity.store', message: err.message }]);
    throw err;
  }
}

/** A bad PEM file is reported like any other configuration problem (the CLI exits 1 with the field). */
async function openTlsListener(
  configPath: string,
  config: TlsListenerConfig,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  serverOptions: ServerOptions,
): Promise<HttpsServer> {
  try {
    return await createTlsListener(config, handler, { serverOptions, baseDir: dirname(configPath) });
  } catch (err) {
    if (err instanceof TlsFileError) throw new ConfigError(configPath, [{ path: `server.tls.${err.field}`, message: `${err.file}: ${err.reason}` }]);
    throw err;
  }
}

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || socket.destroyed || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const code = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : 'malformed_request';
  const error = new GatehouseError(code);
  const requestId = randomUUID();
  const body = renderOpenAIError(error, requestId).body;
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = from[k];
  return out;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
