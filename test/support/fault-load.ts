import type { FaultClient, FaultCluster } from './fault-cluster.js';

/** The people the load acts as, signed in, and where they work. */
export interface LoadPeople {
  commune: string;
  reviewer: string;
  province: string;
  villages: string[];
}

/** Creates the load's users through POST /users (as the admin) and signs them in; the demo accounts get no mail. */
export async function loadPeople(cluster: FaultCluster, client: FaultClient, admin: string): Promise<LoadPeople> {
  await cluster.db.query(`UPDATE users SET active = false WHERE username LIKE 'demo.%'`);
  const { rows } = await cluster.db.query<{ id: string; code: string }>(
    `SELECT id, code FROM units WHERE code IN ('LS', 'LS-TD', 'LS-TD-01')`,
  );
  const unit = (code: string) => rows.find((r) => r.code === code)!.id;
  const person = async (role: string, unitCode: string, n: number) => {
    const username = `${role.toLowerCase().replace(/_/g, '-')}.faults.${n}`;
    const password = `pw-${username}-long`;
    await client.expect(201, 'POST', '/users', admin, {
      username,
      password,
      fullName: `Người dùng ${n}`,
      email: `${username}@example.vn`,
      role,
      unitId: unit(unitCode),
    });
    return client.login(username, password);
  };
  const [commune, reviewer, province] = [
    await person('COMMUNE_STAFF', 'LS-TD-01', 1),
    await person('REVIEWER', 'LS-TD', 2),
    await person('PROVINCE_OFFICER', 'LS', 3),
  ];
  const villages = (
    await cluster.db.query<{ id: string }>(`SELECT id FROM units WHERE parent_id = $1 ORDER BY code`, [unit('LS-TD-01')])
  ).rows.map((r) => r.id);
  return { commune, reviewer, province, villages };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dossierSerial = 0;

/**
 * Load from a bounded client: `loops` flows at a time, until `stop()`; each flow is what people do, through the
 * client's retries. A project: created and submitted by the commune, left a few seconds in review (its reminder
 * and overdue timers may fire), approved by the reviewer, funds allocated by the province. A dossier: created,
 * its 16 criteria assessed, the village consultation opened (its timer moves it on and mails the commune).
 * Any answer a flow does not expect is kept in `problems`.
 */
export function startLoad(client: FaultClient, people: LoadPeople, loops = 4) {
  let running = true;
  const problems: string[] = [];
  let flows = 0;
  const project = async () => {
    const created = await client.expect(201, 'POST', '/projects', people.commune, {
      villageId: people.villages[flows % people.villages.length],
      title: 'Bê tông hóa đường trục thôn',
      criterionCode: 1,
      workType: 'rural_road',
      physicalQuantity: 0.5,
      estimatedCostVnd: 100_000_000,
      funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 90_000_000 }],
      contributions: [],
    });
    const id = created.id as string;
    await client.expect(200, 'POST', `/projects/${id}/events`, people.commune, { type: 'SUBMIT' });
    await pause(Math.random() * 5000);
    await client.expect(200, 'POST', `/projects/${id}/events`, people.reviewer, { type: 'APPROVE' });
    await pause(Math.random() * 2000);
    await client.expect(200, 'POST', `/projects/${id}/events`, people.province, { type: 'ALLOCATE' });
  };
  const dossier = async () => {
    const n = dossierSerial++;
    const created = await client.expect(201, 'POST', '/dossiers', people.commune, {
      villageId: people.villages[n % people.villages.length],
      year: 2000 + Math.floor(n / people.villages.length),
    });
    const id = created.id as string;
    for (let code = 1; code <= 16; code++) {
      await client.expect(200, 'PUT', `/dossiers/${id}/criteria/${code}`, people.commune, { met: true, note: `Tiêu chí ${code} đạt` });
    }
    await client.expect(200, 'POST', `/dossiers/${id}/events`, people.commune, { type: 'OPEN_CONSULTATION' });
  };
  const loop = async (i: number) => {
    while (running) {
      try {
        await ((flows++ + i) % 3 === 2 ? dossier() : project());
      } catch (err) {
        problems.push((err as Error).message);
        await pause(200);
      }
    }
  };
  const done = Promise.all(Array.from({ length: loops }, (_, i) => loop(i)));
  return {
    problems,
    flows: () => flows,
    /** Lets every flow finish what it started, then resolves. */
    async stop() {
      running = false;
      await done;
    },
  };
}
