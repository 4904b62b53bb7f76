import { AppError } from '../../shared/app-error.js';
import type { NodeSpec } from '../../storage/catalog/catalog-resources.js';

// InfluxDB 3 Enterprise's node names: what `--node-id` accepts.
const NODE_ID = /^[^\s,:]{1,256}$/;

function invalid(input: unknown, why: string): AppError {
  return new AppError('invalid_node_spec', `invalid node_spec ${JSON.stringify(input)}: ${why}`, { status: 400 });
}

// Which nodes run a trigger, as the create API takes it: absent, null or "all"; {"nodes": ["a", "b"]} (the catalog's
// shape); or the CLI's text "nodes:a,b".
export function parseNodeSpec(input: unknown): NodeSpec {
  if (input === undefined || input === null || input === 'all') return 'all';
  let nodes: unknown;
  if (typeof input === 'string') {
    const m = /^nodes:(.*)$/.exec(input.trim());
    if (!m) throw invalid(input, 'expected "all" or "nodes:<node-id>[,<node-id>…]"');
    nodes = m[1]!.split(',').map((s) => s.trim());
  } else if (typeof input === 'object' && !Array.isArray(input) && Object.keys(input).length === 1 && 'nodes' in input) {
    nodes = (input as { nodes: unknown }).nodes;
  } else {
    throw invalid(input, 'expected "all" or {"nodes": ["<node-id>", …]}');
  }
  if (!Array.isArray(nodes) || nodes.length === 0) throw invalid(input, 'name at least one node id');
  for (const n of nodes) {
    if (typeof n !== 'string' || !NODE_ID.test(n)) throw invalid(input, `'${String(n)}' is not a node id (no spaces, commas or colons)`);
  }
  return { nodes: [...new Set(nodes as string[])] };
}

// The spec as the CLI writes it: "all" or "nodes:a,b".
export function nodeSpecText(spec: NodeSpec): string {
  return spec === 'all' ? 'all' : `nodes:${spec.nodes.join(',')}`;
}

// Whether a trigger with this spec runs on the node named `nodeId` (--node-id).
export function runsOnNode(spec: NodeSpec, nodeId: string): boolean {
  return spec === 'all' || spec.nodes.includes(nodeId);
}
