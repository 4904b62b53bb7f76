import { identName, isKeyword, tokenize, type Token } from '../storage/query/sql-lexer.js';

// The schemas a process node answers itself: its own system tables (triggers, plugin logs, tokens, …) and the
// information schema of what it holds.
const LOCAL_SCHEMAS = new Set(['system', 'information_schema']);

// The dotted name of the table reference starting at token `i` (`a`, `a.b`, `"a"."b"`), and the index after it.
function tableName(tokens: Token[], i: number): { parts: string[]; next: number } | null {
  const parts: string[] = [];
  let j = i;
  for (;;) {
    const name = identName(tokens[j]);
    if (name === undefined) return parts.length === 0 ? null : { parts, next: j };
    parts.push(name);
    j++;
    if (tokens[j]?.kind === 'punct' && tokens[j]!.value === '.') j++;
    else return { parts, next: j };
  }
}

// Whether a SQL query reads only the node's own system tables (`system.*`, `information_schema.*`): those stay on
// the node; everything else (user tables, queries naming no table, SHOW) is the upstream's to answer.
export function readsOnlyLocalTables(sql: string): boolean {
  const tokens = tokenize(sql);
  if (isKeyword(tokens[0], 'show')) return false;
  // Names a WITH clause defines (`name AS (`): references to them are checked through the CTE's own FROMs.
  const ctes = new Set<string>();
  for (let i = 0; i + 2 < tokens.length; i++) {
    const name = identName(tokens[i]);
    if (name !== undefined && isKeyword(tokens[i + 1], 'as') && tokens[i + 2]!.kind === 'punct' && tokens[i + 2]!.value === '(') ctes.add(name.toLowerCase());
  }
  let found = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (!isKeyword(tokens[i], 'from') && !isKeyword(tokens[i], 'join')) continue;
    let j = i + 1;
    for (;;) {
      // A subquery: its own FROMs are checked as the loop reaches them.
      if (tokens[j]?.kind === 'punct' && tokens[j]!.value === '(') break;
      const ref = tableName(tokens, j);
      if (!ref) break;
      const cte = ref.parts.length === 1 && ctes.has(ref.parts[0]!.toLowerCase());
      if (!cte) found++;
      if (!cte && (ref.parts.length < 2 || !LOCAL_SCHEMAS.has(ref.parts[ref.parts.length - 2]!.toLowerCase()))) return false;
      j = ref.next;
      if (isKeyword(tokens[j], 'as')) j += 2;
      else if (tokens[j]?.kind === 'ident' && !isClauseWord(tokens[j]!)) j++;
      if (tokens[j]?.kind === 'punct' && tokens[j]!.value === ',') j++;
      else break;
    }
  }
  return found > 0;
}

const CLAUSE_WORDS = new Set(['where', 'group', 'order', 'limit', 'offset', 'join', 'inner', 'left', 'right', 'full', 'cross', 'on', 'union', 'having', 'window', 'natural', 'except', 'intersect']);

function isClauseWord(token: Token): boolean {
  return CLAUSE_WORDS.has(token.value.toLowerCase());
}
