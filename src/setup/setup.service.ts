import { Conflict } from '../common/errors.js';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { sql } from 'kysely';
import { DB, type Db } from '../database/db.js';
import type { RoleName } from '../users/users.dto.js';
import { UsersService } from '../users/users.service.js';
import { loadPlan136, PLAN_136, readUnits } from '../seed/plan-136.js';

/** Serialises first-start work (seed, administrator, demo accounts) across processes starting together. */
const SETUP_LOCK = 7_202_601;

interface Login {
  username: string;
  password: string;
  role: RoleName;
  unit: string;
}

/**
 * First start: loads the configured seed into an empty database, creates the administrator and, with `DEMO`
 * (true by default outside production), one demo account per role on the seeded tree, and shows those logins
 * once: on a terminal, or else in a file only its owner can read (a log is no place for a password).
 */
@Injectable()
export class SetupService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Setup');

  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.demo) {
      this.logger.log('DEMO=true (the default outside production): demo accounts are created at first start; DEMO=false for none');
    }
    const logins = await this.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${SETUP_LOCK})`.execute(tx);
      const anyRow = async (table: 'units' | 'users') =>
        (await tx.selectFrom(table).select('id').limit(1).executeTakeFirst()) !== undefined;
      let seeded = false;
      if (
        this.config.seed === PLAN_136 &&
        !(await anyRow('units')) &&
        !(await tx.selectFrom('seed_runs').select('name').where('name', '=', PLAN_136).executeTakeFirst())
      ) {
        const result = await loadPlan136(tx);
        await tx.insertInto('seed_runs').values({ name: PLAN_136 }).execute();
        this.logger.log(`seed ${PLAN_136} loaded: ${result.units} units, ${result.villages} villages`);
        seeded = true;
      }
      const hasUsers = await anyRow('users');
      if (!hasUsers && !(await tx.selectFrom('units').select('id').where('level', '=', 'PROVINCE').executeTakeFirst())) {
        // No tree yet (SEED=none): the administrator needs a unit to belong to. Created under the lock, so
        // processes starting together do not both create it.
        const id = randomUUID();
        await tx
          .insertInto('units')
          .values({ id, code: 'ROOT', name: 'Quản trị hệ thống', level: 'PROVINCE', path: `/${id}/` })
          .execute();
      }
      return { seeded, hasUsers };
    });
    if (logins.hasUsers) return;
    await this.createFirstUsers(logins.seeded);
  }

  private async createFirstUsers(seeded: boolean): Promise<void> {
    const created: Login[] = [];
    const province = await this.db
      .selectFrom('units')
      .select(['id', 'name'])
      .where('level', '=', 'PROVINCE')
      .orderBy('code')
      .executeTakeFirstOrThrow();
    if (!this.config.admin.username && this.config.production) {
      throw new Error('Configuration error: ADMIN_USERNAME and ADMIN_PASSWORD are required at first start in production');
    }
    const admin = {
      username: this.config.admin.username ?? 'admin',
      password: this.config.admin.password ?? randomBytes(9).toString('base64url'),
    };
    await this.add(created, admin.username, admin.password, 'ADMIN', province.id, province.name, 'Quản trị viên');
    if (this.config.demo && seeded) {
      // The first district and commune of the seed file (Tràng Định, Đào Viên).
      const tree = readUnits();
      const byCode = (code: string) => this.db.selectFrom('units').select(['id', 'name']).where('code', '=', code).executeTakeFirst();
      const district = await byCode(tree.districts[0].code);
      const commune = await byCode(tree.districts[0].communes[0].code);
      if (district && commune) {
        await this.add(
          created,
          'demo.commune',
          randomBytes(9).toString('base64url'),
          'COMMUNE_STAFF',
          commune.id,
          commune.name,
          'Cán bộ xã (demo)',
        );
        await this.add(
          created,
          'demo.reviewer',
          randomBytes(9).toString('base64url'),
          'REVIEWER',
          district.id,
          district.name,
          'Cán bộ thẩm định huyện (demo)',
        );
        await this.add(
          created,
          'demo.province',
          randomBytes(9).toString('base64url'),
          'PROVINCE_OFFICER',
          province.id,
          province.name,
          'Cán bộ tỉnh (demo)',
        );
      }
    }
    this.print(created);
  }

  private async add(list: Login[], username: string, password: string, role: RoleName, unitId: string, unit: string, fullName: string) {
    try {
      await this.users.create(null, { username, password, role, unitId, fullName, email: `${username}@localhost` });
      list.push({ username, password, role, unit });
    } catch (err) {
      // Another process created the first users at the same moment.
      if (!(err instanceof Conflict)) throw err;
    }
  }

  private print(logins: Login[]): void {
    if (logins.length === 0) return;
    const shown = logins.filter((l) => !(l.role === 'ADMIN' && this.config.admin.password));
    const silent = this.config.logLevel === 'silent';
    const line = (l: Login, password: string) => `  ${l.username.padEnd(16)} ${password.padEnd(14)} ${l.role.padEnd(17)} ${l.unit}`;
    const header = 'NTM Workflow: first start. These logins are shown once; keep them or create your own users.';
    if (process.stdout.isTTY === true) {
      if (silent) return;
      process.stdout.write(
        ['', header, ...logins.map((l) => line(l, shown.includes(l) ? l.password : '(ADMIN_PASSWORD)')), ''].join('\n') + '\n',
      );
      return;
    }
    // Not a terminal (a service manager, a container, a pipe): standard output ends up in a log, so the
    // passwords go to a file only this user can read, and the output names it.
    const file = shown.length > 0 ? this.writeLoginsFile(shown.map((l) => line(l, l.password))) : undefined;
    const lines = ['', header, ...logins.map((l) => line(l, shown.includes(l) ? '(in the file)' : '(ADMIN_PASSWORD)'))];
    if (file) lines.push(`  passwords in ${file} (readable by this user only); delete it once read`);
    if (!silent) process.stdout.write([...lines, ''].join('\n') + '\n');
  }

  /** Writes the first logins to STORAGE_DIR/first-logins.txt, readable by the service's user only; returns its path. */
  private writeLoginsFile(lines: string[]): string {
    mkdirSync(this.config.storageDir, { recursive: true });
    const file = join(this.config.storageDir, 'first-logins.txt');
    writeFileSync(file, ['NTM Workflow: first logins. Delete this file once read.', ...lines, ''].join('\n'), { mode: 0o600 });
    chmodSync(file, 0o600);
    return file;
  }
}
