import { createHash } from 'node:crypto';
import { ANY, BLOB, DuckDBBlobValue, DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';
import type { SqlFunction } from './sql-function.js';

// DataFusion's digest algorithm names and node's (blake3 has no node implementation).
const ALGORITHMS: Record<string, string> = {
  md5: 'md5',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
};

// __iox_digest(value, algorithm): the digest of a string's UTF-8 bytes or of a binary value, as BLOB (DataFusion's
// Binary). SHA-2 beyond sha256 is not in DuckDB, so it is computed here.
function digestUdf(): DuckDBScalarFunction {
  return DuckDBScalarFunction.create({
    name: '__iox_digest',
    returnType: BLOB,
    parameterTypes: [ANY, VARCHAR],
    mainFunction: (info, input, out) => {
      const values = input.getColumnVector(0);
      const names = input.getColumnVector(1);
      for (let i = 0; i < input.rowCount; i++) {
        const v = values.getItem(i);
        const name = names.getItem(i);
        if (v === null || name === null) {
          out.setItem(i, null);
          continue;
        }
        const algorithm = ALGORITHMS[String(name).toLowerCase()];
        if (!algorithm) {
          info.setError(`There is no built-in digest algorithm named '${String(name)}', currently supported algorithms are: md5, sha224, sha256, sha384, sha512, blake2b, blake2s`);
          return;
        }
        let bytes: Buffer;
        if (typeof v === 'string') bytes = Buffer.from(v, 'utf8');
        else if (v instanceof DuckDBBlobValue) bytes = Buffer.from(v.bytes);
        else {
          info.setError(`digest does not support the argument ${String(v)}: expected a string or binary value`);
          return;
        }
        out.setItem(i, new DuckDBBlobValue(createHash(algorithm).update(bytes).digest()));
      }
      out.flush();
    },
  });
}

const sha = (bits: number): SqlFunction => ({
  name: `sha${bits}`,
  udfs: [digestUdf],
  macros: [`CREATE OR REPLACE TEMP MACRO sha${bits}(x) AS __iox_digest(x, 'sha${bits}')`],
});

// Hashing functions. md5 stays DuckDB's (a hex Utf8 in DataFusion too); the sha family and digest return Binary.
export const HASHING_FUNCTIONS: SqlFunction[] = [
  sha(224),
  // DuckDB's own sha256 (hex text) is ~9x faster than a JS function: its bytes are the Binary result.
  { name: 'sha256', macros: ['CREATE OR REPLACE TEMP MACRO sha256(x) AS unhex(system.main.sha256(x))'] },
  sha(384),
  sha(512),
  { name: 'digest', udfs: [digestUdf], macros: ['CREATE OR REPLACE TEMP MACRO digest(x, algorithm) AS __iox_digest(x, algorithm)'] },
];
