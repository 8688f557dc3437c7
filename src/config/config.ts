import { plainToInstance, Transform } from 'class-transformer';
import { isIP } from 'node:net';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

/** Raised when the environment is wrong; its message is the one line the process prints before it stops. */
export class ConfigError extends Error {}

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
const blankToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The environment as the README's configuration table describes it, each variable validated at start. */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[A-Za-z0-9_-]+(\?.*)?$/, {
    message: 'DATABASE_URL must look like postgresql://user@host:5432/database',
  })
  DATABASE_URL?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[A-Za-z0-9_-]+(\?.*)?$/, {
    message: 'DATABASE_MIGRATION_URL must look like postgresql://owner:password@host:5432/database',
  })
  DATABASE_MIGRATION_URL?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/[^,]+(,rediss?:\/\/[^,]+)*$/, {
    message: 'REDIS_URL must look like redis://host:6379 (with REDIS_CLUSTER=true, one or more, separated by commas)',
  })
  REDIS_URL?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'REDIS_CLUSTER must be true or false' })
  REDIS_CLUSTER?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_\-.:{}]+$/, {
    message: 'QUEUE_PREFIX must be letters, digits and - _ . : { }',
  })
  QUEUE_PREFIX?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(['api', 'worker', 'all'])
  PROCESS_ROLE?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(['smtp', 'file'])
  MAIL_TRANSPORT?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must look like smtp://host:port' })
  SMTP_URL?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  MAIL_FROM?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'PUBLIC_URL must be an http(s) address' })
  PUBLIC_URL?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  STORAGE_DIR?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1024)
  MAX_UPLOAD_MB?: number;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{3,64}$/, {
    message: 'ADMIN_USERNAME must be 3 to 64 letters, digits, dots, dashes or underscores',
  })
  ADMIN_USERNAME?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8)
  ADMIN_PASSWORD?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32)
  JWT_SECRET?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32)
  METRICS_TOKEN?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^\d+[smhd]$/, { message: 'JWT_EXPIRES_IN must look like 8h, 30m or 7d' })
  JWT_EXPIRES_IN?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  DEADLINE_OVERRIDES?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(['plan-136-2019', 'none'])
  SEED?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'DEMO must be true or false' })
  DEMO?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  MIN_AGREEMENT_PERCENT?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  SPECIAL_MECHANISM_CAP_VND?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100000)
  LOGIN_MAX_FAILURES_PER_ADDRESS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_LOCK_SECONDS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_MAX_DELAY_SECONDS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(300)
  HEADERS_TIMEOUT_SECONDS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  UPLOAD_QUOTA_MB_PER_DAY?: number;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  RECONCILE_SECONDS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  JOB_LOCK_SECONDS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(300)
  DATABASE_CONNECT_TIMEOUT_SECONDS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  SHUTDOWN_TIMEOUT_SECONDS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(720)
  SESSION_HOURS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(5)
  @Max(1440)
  SESSION_IDLE_MINUTES?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8760)
  IDEMPOTENCY_TTL_HOURS?: number;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32)
  AUDIT_KEY?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(604800)
  AUDIT_CHECKPOINT_SECONDS?: number;
}

export type ProcessRole = 'api' | 'worker' | 'all';

export interface AppConfig {
  /** How long a client may take to send a request's headers before its connection is closed (slowloris). */
  headersTimeoutSeconds: number;
  /** How many bytes one user may attach over any 24 hours (UPLOAD_QUOTA_MB_PER_DAY). */
  uploadQuotaBytesPerDay: number;
  production: boolean;
  port: number;
  databaseUrl: string;
  /** The tables' owner, for migrations and the service role's grants: `DATABASE_MIGRATION_URL`, else `databaseUrl`. */
  databaseMigrationUrl: string;
  /** One Redis URL, or with `redisCluster` one or more seed nodes of a Redis Cluster separated by commas. */
  redisUrl: string;
  /** `REDIS_CLUSTER=true`: `redisUrl` names a Redis Cluster, spoken to with ioredis' Cluster client. */
  redisCluster: boolean;
  queuePrefix: string;
  processRole: ProcessRole;
  mail: { transport: 'smtp' | 'file'; smtpUrl?: string; from: string };
  publicUrl: string;
  storageDir: string;
  maxUploadBytes: number;
  admin: { username?: string; password?: string };
  jwt: { secret?: string; expiresIn: string; expiresSeconds: number };
  deadlineOverrides: Record<string, string>;
  seed: 'plan-136-2019' | 'none';
  /** Demo accounts (one per role) created at first start on the seeded tree: `DEMO`, true by default outside production. */
  demo: boolean;
  logLevel: string;
  /**
   * Failed sign-ins: past `maxFailures` (per account, and per account from one address) or `maxFailuresPerAddress`
   * (per address, all accounts), each further attempt waits 1, 2, 4... seconds, at most `maxDelaySeconds`, after
   * the last failure; failures are forgotten `lockSeconds` after the last one.
   */
  login: { maxFailures: number; maxFailuresPerAddress: number; lockSeconds: number; maxDelaySeconds: number };
  /** The proxies (addresses, CIDR ranges or `loopback`, `linklocal`, `uniquelocal`) whose X-Forwarded-For is believed; none by default. */
  trustProxy: string[];
  /** The village meeting's agreement SUBMIT needs (percent). */
  minAgreementPercent: number;
  /** A project's estimated cost must stay below this under the special mechanism (VND). */
  specialMechanismCapVnd: number;
  /** How often a worker hands back to Redis the timers and effects it lost (seconds). */
  reconcileSeconds: number;
  /**
   * How long a worker's hold on a job lasts unless renewed, and how often workers look for jobs whose holder
   * stopped renewing (killed): a killed worker's jobs run again elsewhere within about twice this (seconds).
   */
  jobLockSeconds: number;
  /** How long a request waits for one of the pool's 20 connections (or a new one) before it fails, 503 (seconds). */
  databaseConnectTimeoutSeconds: number;
  /** On SIGTERM, how long in-flight requests and jobs may take to finish before the process stops anyway (seconds). */
  shutdownTimeoutSeconds: number;
  /** How long a web page session lasts after sign-in (hours). */
  sessionHours: number;
  /** A web page session unused this long ends (minutes). */
  sessionIdleMinutes: number;
  /** How long an Idempotency-Key's first response is kept and replayed (hours); an older key is new again. */
  idempotencyTtlHours: number;
  /** A static bearer token `GET /metrics` accepts besides an ADMIN's (for a Prometheus scraper); none when unset. */
  metricsToken?: string;
  /**
   * The history's HMAC key (`key`: AUDIT_KEY, required in production; otherwise kept in STORAGE_DIR/audit-key) and
   * how often a worker writes a signed checkpoint of every chain's head (seconds).
   */
  audit: { key?: string; checkpointSeconds: number };
}

const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

function parseOverrides(raw: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!raw) return result;
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [id, duration] = part.split('=').map((s) => s?.trim());
    if (!id || !duration || !/^[a-z]+\.[A-Za-z]+$/.test(id) || !ISO_DURATION.test(duration)) {
      throw new ConfigError(`DEADLINE_OVERRIDES: "${part}" is not deadlineId=ISO8601 duration (e.g. certification.review=PT3S)`);
    }
    result[id] = duration;
  }
  return result;
}

/** The longest an API token may live: 24 hours. */
const MAX_TOKEN_SECONDS = 24 * 3600;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30m`, `8h`, `7d` in seconds (the shape is validated before). */
function durationSeconds(value: string): number {
  return Number(value.slice(0, -1)) * UNIT_SECONDS[value.slice(-1)];
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** `TRUST_PROXY`: a comma-separated list of addresses, CIDR ranges or proxy-addr's names. */
function parseTrustProxy(raw: string | undefined): string[] {
  if (!raw) return [];
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128) && rest.length === 0);
    if (!(PROXY_NAMES.includes(entry) || (family !== 0 && prefixOk))) {
      throw new ConfigError(
        `Configuration error: TRUST_PROXY must be a comma-separated list of proxy addresses, CIDR ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal (got ${JSON.stringify(entry)})`,
      );
    }
  }
  return entries;
}

/** A rejected value as a configuration error shows it: never a secret, never a URL's password. */
function shown(name: string, value: string | undefined): string {
  if (/SECRET|PASSWORD|KEY|TOKEN/.test(name)) return '(hidden: it is a secret)';
  return JSON.stringify(String(value).replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@'));
}

/**
 * What Redis Cluster hashes of a key starting with `prefix` to choose its slot: what stands between the prefix's first
 * `{` and the first `}` after it, when that is not empty (the Cluster specification's rule); null when the prefix has
 * no such tag, and its keys would hash by their whole name.
 */
export function hashTagOf(prefix: string): string | null {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : null;
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const vars = plainToInstance(EnvironmentVariables, { ...env });
  const errors = validateSync(vars, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const first = errors[0];
    const message = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    throw new ConfigError(`Configuration error: ${message} (got ${shown(first.property, env[first.property])})`);
  }
  const expiresSeconds = durationSeconds(vars.JWT_EXPIRES_IN ?? '8h');
  if (expiresSeconds > MAX_TOKEN_SECONDS) {
    throw new ConfigError(`Configuration error: JWT_EXPIRES_IN may be at most 24h (got ${JSON.stringify(vars.JWT_EXPIRES_IN)})`);
  }
  const production = vars.NODE_ENV === 'production';
  const transport = (vars.MAIL_TRANSPORT ?? 'file') as 'smtp' | 'file';
  if (transport === 'smtp' && !vars.SMTP_URL) {
    throw new ConfigError('Configuration error: SMTP_URL is required when MAIL_TRANSPORT=smtp');
  }
  if (production && !vars.JWT_SECRET) {
    throw new ConfigError('Configuration error: JWT_SECRET is required when NODE_ENV=production (32 characters or more)');
  }
  if (production && vars.DEMO === 'true') {
    throw new ConfigError('Configuration error: DEMO=true is not allowed when NODE_ENV=production (demo accounts have printed passwords)');
  }
  if (production && !vars.AUDIT_KEY) {
    throw new ConfigError('Configuration error: AUDIT_KEY is required when NODE_ENV=production (32 characters or more)');
  }
  if ((vars.ADMIN_USERNAME && !vars.ADMIN_PASSWORD) || (!vars.ADMIN_USERNAME && vars.ADMIN_PASSWORD)) {
    throw new ConfigError('Configuration error: ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  const databaseUrl = vars.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ntm';
  const redisUrl = vars.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = vars.QUEUE_PREFIX ?? 'ntm';
  const redisCluster = vars.REDIS_CLUSTER === 'true';
  if (!redisCluster && redisUrl.includes(',')) {
    throw new ConfigError('Configuration error: REDIS_URL names several servers, which only REDIS_CLUSTER=true allows');
  }
  if (redisCluster && !hashTagOf(queuePrefix)) {
    throw new ConfigError(
      `Configuration error: REDIS_CLUSTER=true needs a hash tag in QUEUE_PREFIX, e.g. QUEUE_PREFIX={ntm}, so that BullMQ's keys share one slot (got ${JSON.stringify(queuePrefix)})`,
    );
  }
  if (redisCluster && redisUrl.split(',').some((url) => !/^rediss?:\/\/[^/]*\/?(0)?$/.test(url))) {
    throw new ConfigError(
      'Configuration error: REDIS_URL may not name a database other than 0 with REDIS_CLUSTER=true (a cluster has only one)',
    );
  }
  return {
    production,
    port: vars.PORT ?? 3000,
    databaseUrl,
    databaseMigrationUrl: vars.DATABASE_MIGRATION_URL ?? databaseUrl,
    redisUrl,
    redisCluster,
    queuePrefix,
    headersTimeoutSeconds: vars.HEADERS_TIMEOUT_SECONDS ?? 20,
    uploadQuotaBytesPerDay: (vars.UPLOAD_QUOTA_MB_PER_DAY ?? 500) * 1024 * 1024,
    processRole: (vars.PROCESS_ROLE ?? 'all') as ProcessRole,
    mail: { transport, smtpUrl: vars.SMTP_URL, from: vars.MAIL_FROM ?? 'NTM <no-reply@localhost>' },
    publicUrl: (vars.PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, ''),
    storageDir: vars.STORAGE_DIR ?? './data',
    maxUploadBytes: (vars.MAX_UPLOAD_MB ?? 20) * 1024 * 1024,
    admin: { username: vars.ADMIN_USERNAME, password: vars.ADMIN_PASSWORD },
    jwt: { secret: vars.JWT_SECRET, expiresIn: vars.JWT_EXPIRES_IN ?? '8h', expiresSeconds },
    deadlineOverrides: parseOverrides(vars.DEADLINE_OVERRIDES),
    seed: (vars.SEED ?? (production ? 'none' : 'plan-136-2019')) as AppConfig['seed'],
    demo: vars.DEMO === undefined ? !production : vars.DEMO === 'true',
    logLevel: vars.LOG_LEVEL ?? 'info',
    login: {
      maxFailures: vars.LOGIN_MAX_FAILURES ?? 5,
      maxFailuresPerAddress: vars.LOGIN_MAX_FAILURES_PER_ADDRESS ?? 100,
      lockSeconds: vars.LOGIN_LOCK_SECONDS ?? 900,
      maxDelaySeconds: vars.LOGIN_MAX_DELAY_SECONDS ?? 60,
    },
    trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    minAgreementPercent: vars.MIN_AGREEMENT_PERCENT ?? 90,
    specialMechanismCapVnd: vars.SPECIAL_MECHANISM_CAP_VND ?? 5_000_000_000,
    reconcileSeconds: vars.RECONCILE_SECONDS ?? 15,
    jobLockSeconds: vars.JOB_LOCK_SECONDS ?? 30,
    databaseConnectTimeoutSeconds: vars.DATABASE_CONNECT_TIMEOUT_SECONDS ?? 5,
    shutdownTimeoutSeconds: vars.SHUTDOWN_TIMEOUT_SECONDS ?? 25,
    sessionHours: vars.SESSION_HOURS ?? 12,
    sessionIdleMinutes: vars.SESSION_IDLE_MINUTES ?? 120,
    idempotencyTtlHours: vars.IDEMPOTENCY_TTL_HOURS ?? 24,
    metricsToken: vars.METRICS_TOKEN,
    audit: { key: vars.AUDIT_KEY, checkpointSeconds: vars.AUDIT_CHECKPOINT_SECONDS ?? 3600 },
  };
}

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
