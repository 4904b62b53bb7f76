import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { installFunctions } from '../../src/storage/query/functions/index.js';

// An in-memory DuckDB connection prepared like a query connection (DataFusion's settings, macros, JS functions).
export async function functionsConnection(): Promise<{ conn: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await installFunctions(conn);
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
