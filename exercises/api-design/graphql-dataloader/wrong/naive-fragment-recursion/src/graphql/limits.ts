// Query limits, as GraphQL validation rules: a query over a limit is refused with a GraphQL
// error during validation, so nothing of it runs and the data layer is never called.
//
// Both rules walk the query through fragments (a fragment spread counts as if its fields were
// written in place), skip introspection fields (names starting with "__"), and compute each
// fragment once: a query that spreads fragments inside fragments cannot make them slow, and a
// fragment that spreads itself (refused by graphql's own NoFragmentCyclesRule) cannot make
// them loop.
import {
  getNamedType,
  GraphQLError,
  GraphQLInt,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  valueFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

export const MAX_DEPTH = 6;
export const MAX_COST = 2000;
/** What `first` is worth when the query leaves it out (the schema's default). */
const DEFAULT_LIST_SIZE = 10;

function fragmentsOf(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  const out = new Map<string, FragmentDefinitionNode>();
  for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) out.set(d.name.value, d);
  return out;
}

/**
 * Depth: the number of fields on the longest path from the operation to a leaf.
 * `{ book(id: 1) { title } }` has depth 2.
 */
export function depthLimit(max = MAX_DEPTH): ValidationRule {
  return (context) => {
    const fragments = fragmentsOf(context);
    const depthOf = (set: SelectionSetNode, visiting: Set<string>): number => {
      let deepest = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith("__")) continue;
          deepest = Math.max(deepest, 1 + (sel.selectionSet ? depthOf(sel.selectionSet, visiting) : 0));
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(sel.selectionSet, visiting));
        } else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          if (!fragment) continue;
          deepest = Math.max(deepest, depthOf(fragment.selectionSet, visiting));
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(op) {
        const depth = depthOf(op.selectionSet, new Set());
        if (depth > max) {
          context.reportError(new GraphQLError(`Query depth ${depth} exceeds the maximum depth of ${max}.`, { nodes: [op], extensions: { code: "QUERY_TOO_DEEP", depth, maxDepth: max } }));
        }
      },
    };
  };
}

/**
 * Cost: how many objects the query can make us load, at worst. A field returning one object
 * costs 1; a list field costs its `first` (10 when left out) - and everything below a list is
 * counted once per item it may return. Scalars are free. So
 * `{ authors(first: 5) { books(first: 2) { title } } }` costs 5 + 5 × 2 = 15.
 * `first` given as a variable counts with the variable's value: the limit cannot be dodged by
 * moving numbers out of the query text.
 */
export function costLimit(variables: Record<string, unknown> | null | undefined, max = MAX_COST): ValidationRule {
  return (context) => {
    const schema = context.getSchema();
    const fragments = fragmentsOf(context);
    let operation: OperationDefinitionNode | undefined;

    /** The value of `first` on this field: literal, variable (or the variable's default), or 10. */
    const listSize = (field: FieldNode): number => {
      const arg = field.arguments?.find((a) => a.name.value === "first");
      if (!arg) return DEFAULT_LIST_SIZE;
      let n: unknown;
      if (arg.value.kind === Kind.VARIABLE) {
        const name = arg.value.name.value;
        n = variables?.[name];
        if (n === undefined || n === null) {
          const def = operation?.variableDefinitions?.find((v) => v.variable.name.value === name)?.defaultValue;
          n = def ? valueFromAST(def, GraphQLInt) : undefined;
        }
      } else {
        n = valueFromAST(arg.value, GraphQLInt);
      }
      // A bad value is refused by the resolver anyway; it must not lower the cost (negative).
      return typeof n === "number" && Number.isFinite(n) ? Math.max(0, n) : DEFAULT_LIST_SIZE;
    };

    // Cost is linear in the number of times a selection runs, so a fragment's cost is computed
    // once (for one run) and multiplied where it is spread.
    const memo = new Map<string, number>();
    const costOf = (set: SelectionSetNode, parent: GraphQLObjectType, visiting: Set<string>): number => {
      let total = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith("__")) continue;
          const def = parent.getFields()[sel.name.value];
          if (!def) continue; // an unknown field: FieldsOnCorrectTypeRule reports it
          const named = getNamedType(def.type);
          if (!isObjectType(named)) continue; // scalars and enums are free
          const items = isList(def.type) ? listSize(sel) : 1;
          total += items + items * (sel.selectionSet ? costOf(sel.selectionSet, named, visiting) : 0);
        } else {
          const name = sel.kind === Kind.FRAGMENT_SPREAD ? sel.name.value : null;
          const fragment = name ? fragments.get(name) : null;
          const body = sel.kind === Kind.INLINE_FRAGMENT ? sel : fragment;
          if (!body || (name && visiting.has(name))) continue;
          const onType = body.typeCondition ? schema.getType(body.typeCondition.name.value) : parent;
          if (!isObjectType(onType)) continue;
          if (!name) {
            total += costOf(body.selectionSet, onType, visiting);
            continue;
          }
          if (!memo.has(name)) {
            visiting.add(name);
            memo.set(name, costOf(body.selectionSet, onType, visiting));
            visiting.delete(name);
          }
          total += memo.get(name)!;
        }
      }
      return total;
    };

    return {
      OperationDefinition(op) {
        operation = op;
        const root = op.operation === "mutation" ? schema.getMutationType() : op.operation === "subscription" ? schema.getSubscriptionType() : schema.getQueryType();
        if (!root) return; // an operation type the schema does not have: another rule reports it
        memo.clear();
        const cost = costOf(op.selectionSet, root, new Set());
        if (cost > max) {
          context.reportError(new GraphQLError(`Query cost ${cost} exceeds the maximum cost of ${max}. Ask for fewer items (first) or fewer nested lists.`, { nodes: [op], extensions: { code: "QUERY_TOO_COSTLY", cost, maxCost: max } }));
        }
      },
    };
  };
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}
