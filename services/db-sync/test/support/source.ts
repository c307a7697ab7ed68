/** A fresh database per test on the stack's MariaDB (MYSQL_URL), dropped afterwards. */
import { randomUUID } from 'node:crypto';
import { type Connection, createConnection } from 'mysql2/promise';

/** The stack's server URL; the tests need it. */
export function mysqlUrl(): string {
  const url = process.env.MYSQL_URL;
  if (!url) throw new Error('MYSQL_URL is not set: the tests need the stack MariaDB');
  return url;
}

/** An admin connection to the stack's server. */
export function adminConnection(): Promise<Connection> {
  return createConnection({
    uri: mysqlUrl(),
    multipleStatements: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
  });
}

/** A new database named `t_<random>`, with `sql` run in it. */
export async function freshDatabase(sql: string): Promise<{
  name: string;
  admin: Connection;
  drop: () => Promise<void>;
}> {
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = await adminConnection();
  await admin.query(`SET time_zone = '+00:00'; CREATE DATABASE ${name}; USE ${name}; ${sql}`);
  return {
    name,
    admin,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}
