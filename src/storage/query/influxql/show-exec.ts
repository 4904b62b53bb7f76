import { quoteIdent, quoteLiteral } from '../sql-names.js';
import type { FieldType } from '../../types.js';
import type { Expr, ShowStatement, TagKeyFilter } from './ast.js';
import { conditionSql } from './expr-sql.js';
import { byName, requireDb, resolveSources, type ExecContext, type Series, type Target } from './host.js';
import { nameRegex } from './regex.js';
import { formatGoDuration } from './time.js';

const FIELD_TYPES: Record<FieldType, string> = { float64: 'float', int64: 'integer', uint64: 'unsigned', utf8: 'string', bool: 'boolean' };

function page<T>(items: T[], limit?: number, offset?: number): T[] {
  const from = offset ?? 0;
  return items.slice(from, limit !== undefined ? from + limit : undefined);
}

function regex(source: string): RegExp {
  return nameRegex(source);
}

function whereSql(target: Target, where: Expr | undefined, ctx: ExecContext): string {
  return where ? ` WHERE ${conditionSql(where, target.schema, ctx.nowNs)}` : '';
}

async function hasRows(target: Target, where: Expr, ctx: ExecContext): Promise<boolean> {
  const r = await ctx.host.query(target.db, `SELECT 1 FROM ${quoteIdent(target.schema.name)}${whereSql(target, where, ctx)} LIMIT 1`);
  return r.rows.length > 0;
}

function keyMatches(filter: TagKeyFilter, key: string): boolean {
  switch (filter.op) {
    case '=':
    case 'in':
      return filter.names.includes(key);
    case '!=':
      return !filter.names.includes(key);
    case '=~':
      return regex(filter.regex).test(key);
    case '!~':
      return !regex(filter.regex).test(key);
  }
}

// Series keys as line protocol writes them: measurement,tag=value,... with , = and space escaped.
function seriesKey(name: string, tags: Array<[string, string]>): string {
  const esc = (s: string, eq: boolean): string => s.replace(eq ? /([,= ])/g : /([, ])/g, '\\$1');
  return [esc(name, false), ...tags.map(([k, v]) => `${esc(k, true)}=${esc(v, true)}`)].join(',');
}

function bySeries(series: Series[], limits: { slimit?: number; soffset?: number }): Series[] {
  return page(series, limits.slimit, limits.soffset);
}

/** The SHOW statements dashboards use, answered from the catalog (and DuckDB when filtered by WHERE). */
export async function executeShow(stmt: ShowStatement, ctx: ExecContext): Promise<Series[]> {
  switch (stmt.kind) {
    case 'show_databases': {
      const names = ctx.host.databases().sort(byName);
      return [{ name: 'databases', columns: ['name'], values: names.map((n) => [n]) }];
    }
    case 'show_retention_policies': {
      const db = requireDb(ctx, stmt.db);
      ctx.host.measurements(db);
      const ns = ctx.host.retentionNs(db) ?? 0n;
      return [{ columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'], values: [['autogen', formatGoDuration(ns), '168h0m0s', 1, true]] }];
    }
    case 'show_measurements': {
      let targets = resolveSources([], ctx, requireDb(ctx, stmt.db));
      const m = stmt.measurement;
      if (m) {
        const test = m.op === '=' || m.op === '!=' ? (n: string) => n === m.value : (n: string) => regex(m.value).test(n);
        const keep = m.op === '=' || m.op === '=~';
        targets = targets.filter((t) => test(t.schema.name) === keep);
      }
      if (stmt.where) {
        const kept: Target[] = [];
        for (const t of targets) if (await hasRows(t, stmt.where, ctx)) kept.push(t);
        targets = kept;
      }
      const values = page(targets.map((t) => [t.schema.name]), stmt.limit, stmt.offset);
      return values.length === 0 ? [] : [{ name: 'measurements', columns: ['name'], values }];
    }
    case 'show_tag_keys': {
      const out: Series[] = [];
      for (const t of resolveSources(stmt.sources, ctx, stmt.db)) {
        let keys = [...t.schema.tags].sort(byName);
        if (stmt.where && keys.length > 0) {
          const counts = keys.map((k) => `count(${quoteIdent(k)})`).join(', ');
          const r = await ctx.host.query(t.db, `SELECT ${counts} FROM ${quoteIdent(t.schema.name)}${whereSql(t, stmt.where, ctx)}`);
          const row = r.rows[0] ?? [];
          keys = keys.filter((_, i) => Number(row[i] ?? 0) > 0);
        }
        const values = page(keys.map((k) => [k]), stmt.limit, stmt.offset);
        if (values.length > 0) out.push({ name: t.schema.name, columns: ['tagKey'], values });
      }
      return bySeries(out, stmt);
    }
    case 'show_tag_values': {
      const out: Series[] = [];
      for (const t of resolveSources(stmt.sources, ctx, stmt.db)) {
        const keys = [...t.schema.tags].filter((k) => keyMatches(stmt.key, k)).sort(byName);
        if (keys.length === 0) continue;
        const where = whereSql(t, stmt.where, ctx);
        const parts = keys.map((k) => `SELECT ${quoteLiteral(k)} AS k, ${quoteIdent(k)} AS v FROM ${quoteIdent(t.schema.name)}${where}`);
        const sql = `SELECT DISTINCT k, v FROM (${parts.join(' UNION ALL ')}) WHERE v IS NOT NULL ORDER BY k, v`;
        const r = await ctx.host.query(t.db, sql);
        const values = page(r.rows.map((row) => [String(row[0]), String(row[1])]), stmt.limit, stmt.offset);
        if (values.length > 0) out.push({ name: t.schema.name, columns: ['key', 'value'], values });
      }
      return bySeries(out, stmt);
    }
    case 'show_field_keys': {
      const out: Series[] = [];
      for (const t of resolveSources(stmt.sources, ctx, stmt.db)) {
        const fields = [...t.schema.fields.entries()].sort((a, b) => byName(a[0], b[0]));
        const values = page(fields.map(([f, type]) => [f, FIELD_TYPES[type]]), stmt.limit, stmt.offset);
        if (values.length > 0) out.push({ name: t.schema.name, columns: ['fieldKey', 'fieldType'], values });
      }
      return bySeries(out, stmt);
    }
    case 'show_series': {
      const keys: string[] = [];
      for (const t of resolveSources(stmt.sources, ctx, stmt.db)) {
        const tags = [...t.schema.tags].sort(byName);
        const cols = tags.length > 0 ? tags.map(quoteIdent).join(', ') : "''";
        const r = await ctx.host.query(t.db, `SELECT DISTINCT ${cols} FROM ${quoteIdent(t.schema.name)}${whereSql(t, stmt.where, ctx)}`);
        for (const row of r.rows) {
          const pairs = tags.map((k, i) => [k, row[i]] as [string, unknown]).filter((p): p is [string, string] => typeof p[1] === 'string');
          keys.push(seriesKey(t.schema.name, pairs));
        }
      }
      const values = page([...new Set(keys)].sort(byName).map((k) => [k]), stmt.limit, stmt.offset);
      return values.length === 0 ? [] : [{ columns: ['key'], values }];
    }
  }
}
