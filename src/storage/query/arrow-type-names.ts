// Arrow type names as results report them (`List(Int64)`, `Map(Utf8, Int64)`, `Struct(a Int64, b Utf8)`),
// parsed into a tree for the encoders that need element types (HTTP value formatting, Flight's nested columns).
export interface TypeNode {
  name: string;
  raw: string;
  // List: its element; Map: key and value; Struct: its fields.
  children: Array<{ field?: string; type: TypeNode }>;
}

// Splits at commas outside parentheses.
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(s.slice(start).trim());
  return parts.filter((p) => p !== '');
}

// A struct entry `name Type`: type names have no space outside parentheses, so the name ends at the last such space.
function splitEntry(entry: string): [string, string] {
  let depth = 0;
  let cut = -1;
  for (let i = 0; i < entry.length; i++) {
    const ch = entry[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ' ' && depth === 0) cut = i;
  }
  return cut < 0 ? ['', entry] : [entry.slice(0, cut), entry.slice(cut + 1)];
}

export function parseArrowType(type: string): TypeNode {
  const open = type.indexOf('(');
  if (open < 0 || !type.endsWith(')')) return { name: type, raw: type, children: [] };
  const name = type.slice(0, open);
  const inner = splitTopLevel(type.slice(open + 1, -1));
  if (name === 'Struct') {
    return {
      name,
      raw: type,
      children: inner.map((p) => {
        const [field, t] = splitEntry(p);
        return { field, type: parseArrowType(t) };
      }),
    };
  }
  return { name, raw: type, children: name === 'List' || name === 'Map' ? inner.map((p) => ({ type: parseArrowType(p) })) : [] };
}
