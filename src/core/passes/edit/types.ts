/**
 * The model surgeries a user can make on an ONNX graph, as plain JSON: the graph editor sends
 * them through the worker, `edgewise edit` builds them from its options, and each one either
 * gives a new, valid model or is refused with the reason (EditError).
 */

/** A node is named by its ViewNode id (its name when that is unique: src/core/graph/node-id.ts). */
export type ModelEdit =
  /** Renames a value (an input, an output, any tensor) or a node; `target` defaults to a value of that name, else a node. */
  | { kind: 'rename'; from: string; to: string; target?: 'value' | 'node' }
  /** Sets a symbolic dimension (by name, or by index in `input`) to a number, in one input or in all of them. */
  | { kind: 'fixDim'; dim: string | number; value: number; input?: string }
  /** Sets (or adds) an attribute of a node; the value keeps the existing attribute's type. */
  | { kind: 'setAttribute'; node: string; name: string; value: AttributeValue }
  /** Removes a node, its single data input taking the place of its output for every consumer. */
  | { kind: 'bypass'; node: string }
  /** Removes a node and everything computed from it; graph outputs it fed are removed too. */
  | { kind: 'delete'; node: string }
  /** Keeps only the subgraph between `inputs` and `outputs` (tensor names): they become the graph's inputs and outputs. */
  | { kind: 'extract'; inputs: string[]; outputs: string[] }
  /** Makes tensors graph outputs. */
  | { kind: 'addOutputs'; tensors: string[] }
  /** Replaces computations on constants by their values: Shape of a static shape, chains of shape arithmetic on constants. */
  | { kind: 'foldConstants' };

export type EditKind = ModelEdit['kind'];

/** An attribute value as a user types it; a string for STRING, numbers for INT/FLOAT(S). */
export type AttributeValue = number | string | number[] | string[];

/** What an applied edit did, for the undo label and the CLI. */
export interface EditReport {
  /** One line: "renamed 'a' to 'b'", "bypassed Relu '/1/Relu'", "folded 6 nodes"... */
  description: string;
  /** Nodes removed and added (by name or op type), for a summary. */
  removedNodes: number;
  addedNodes: number;
}

/** An edit that cannot be made: the message says which edit and why. */
export class EditError extends Error {
  override name = 'EditError';
}
