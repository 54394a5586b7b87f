import type { CompiledQuery, OperationNode } from 'kysely';

// For a district-sharded Postgres (Citus style, distribution column district_id), every
// statement on a tenant table must name its district, so it routes to one shard and its joins
// stay on that shard. This reads a compiled statement's syntax tree (not its SQL text) and
// names each table reference that lacks such a predicate.

/** The tables keyed by district: `district` itself by `id`, every other table by `district_id`. */
export function districtColumnOf(table: string, tenantTables: ReadonlySet<string>) {
  if (table === 'district') return 'id';
  return tenantTables.has(table) ? 'district_id' : undefined;
}

type Node = OperationNode & Record<string, unknown>;

const isNode = (v: unknown): v is Node =>
  typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';

const identifier = (node: unknown): string | undefined =>
  isNode(node) && node.kind === 'IdentifierNode' ? (node.name as string) : undefined;

/** `"t"` or `"t" as "a"`: the table's name and the name the statement calls it by. */
function tableRef(node: unknown): { table: string; name: string } | undefined {
  if (!isNode(node)) return undefined;
  if (node.kind === 'TableNode') {
    const table = identifier((node.table as Node).identifier);
    return table ? { table, name: table } : undefined;
  }
  if (node.kind === 'AliasNode') {
    const inner = tableRef(node.node);
    const alias = identifier(node.alias);
    return inner && alias ? { table: inner.table, name: alias } : undefined;
  }
  return undefined;
}

/** The top-level AND-ed conditions of a WHERE or ON (an OR's branches do not pin anything). */
function conjuncts(node: unknown, out: Node[] = []): Node[] {
  if (!isNode(node)) return out;
  if (node.kind === 'WhereNode' || node.kind === 'OnNode')
    return conjuncts(node.where ?? node.on, out);
  if (node.kind === 'AndNode') {
    conjuncts(node.left, out);
    conjuncts(node.right, out);
  } else if (node.kind === 'ParensNode') conjuncts(node.node, out);
  else out.push(node);
  return out;
}

/** `t.col` or a bare `col` as a (qualifier, column) pair. */
function columnRef(node: unknown): { qualifier?: string; column: string } | undefined {
  if (!isNode(node) || node.kind !== 'ReferenceNode') return undefined;
  const column = isNode(node.column) ? identifier(node.column.column) : undefined;
  if (!column) return undefined;
  const qualifier = isNode(node.table)
    ? identifier((node.table.table as Node).identifier)
    : undefined;
  return { qualifier, column };
}

const isValue = (node: unknown) =>
  isNode(node) && (node.kind === 'ValueNode' || node.kind === 'ValueListNode');

interface Pin {
  ref: { qualifier?: string; column: string };
  toValue: boolean;
}

/** The `x.col = …` and `x.col in (…)` conditions among `conditions`. */
function pins(conditions: Node[]): Pin[] {
  const found: Pin[] = [];
  for (const c of conditions) {
    if (c.kind !== 'BinaryOperationNode') continue;
    const op = isNode(c.operator) ? (c.operator.operator as string) : '';
    if (op !== '=' && op !== 'in') continue;
    for (const [side, other] of [
      [c.leftOperand, c.rightOperand],
      [c.rightOperand, c.leftOperand],
    ]) {
      const ref = columnRef(side);
      if (ref) found.push({ ref, toValue: isValue(other) });
    }
  }
  return found;
}

/** Every query node in the tree, the root included (subqueries are statements of their own). */
function queryNodes(node: unknown, out: Node[] = []): Node[] {
  if (Array.isArray(node)) {
    for (const item of node) queryNodes(item, out);
    return out;
  }
  if (!isNode(node)) return out;
  if (/^(Select|Update|Delete|Insert)QueryNode$/.test(node.kind)) out.push(node);
  for (const value of Object.values(node)) if (typeof value === 'object') queryNodes(value, out);
  return out;
}

/**
 * The table references of `query` without a district predicate, as `table (as alias)`
 * strings; empty when the statement is district-bound. Each reference to a tenant table needs
 * `its.district_id = …` (a value, or a joined table's district_id: a co-located join), AND-ed
 * into its WHERE or its join's ON; a bare `district_id` counts when it is the query's only
 * table. And somewhere the statement must compare a district column with a value, so it routes
 * to one shard. An INSERT must set district_id. Raw SQL that names a tenant table but not
 * district_id is reported whole.
 */
export function districtPredicateGaps(
  query: CompiledQuery,
  tenantTables: ReadonlySet<string>,
): string[] {
  const root = query.query as unknown as Node;
  if (root.kind === 'RawNode') {
    const text = query.sql.toLowerCase();
    const named = [...tenantTables].some((t) =>
      new RegExp(`\\b(from|join|update|into)\\s+"?${t}"?\\b`).test(text),
    );
    return named && !text.includes('district_id') ? [`raw: ${query.sql.slice(0, 80)}`] : [];
  }
  const gaps: string[] = [];
  let tenantRefs = 0;
  let pinnedToValue = false;
  for (const q of queryNodes(root)) {
    if (q.kind === 'InsertQueryNode') {
      const into = tableRef(q.into);
      if (!into) continue;
      const column = districtColumnOf(into.table, tenantTables);
      const columns = ((q.columns as Node[] | undefined) ?? []).map((c) => identifier(c.column));
      if (!column) continue;
      tenantRefs += 1;
      // The rows carry their district; which one is for the values, not the statement, to say.
      if (columns.includes(column)) pinnedToValue = true;
      else gaps.push(`insert into ${into.table}`);
      continue;
    }
    const refs: { table: string; name: string }[] = [];
    const conditions: Node[] = [];
    const fromList = (q.from as Node | undefined)?.froms as unknown[] | undefined;
    for (const f of fromList ?? []) {
      const r = tableRef(f);
      if (r) refs.push(r);
    }
    if (q.kind === 'UpdateQueryNode') {
      const r = tableRef(q.table);
      if (r) refs.push(r);
    }
    for (const j of (q.joins as Node[] | undefined) ?? []) {
      const r = tableRef(j.table);
      if (r) refs.push(r);
      conjuncts(j.on, conditions);
    }
    conjuncts(q.where, conditions);
    const found = pins(conditions);
    for (const r of refs) {
      const column = districtColumnOf(r.table, tenantTables);
      if (!column) continue;
      tenantRefs += 1;
      const mine = found.filter(
        (p) =>
          p.ref.column === column &&
          (p.ref.qualifier === r.name || (p.ref.qualifier === undefined && refs.length === 1)),
      );
      if (mine.some((p) => p.toValue)) pinnedToValue = true;
      if (mine.length === 0) gaps.push(r.table === r.name ? r.table : `${r.table} as ${r.name}`);
    }
  }
  if (tenantRefs > 0 && gaps.length === 0 && !pinnedToValue)
    gaps.push('no district compared with a value');
  return gaps;
}
