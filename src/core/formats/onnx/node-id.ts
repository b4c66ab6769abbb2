/** ONNX nodes get their ViewNode ids by the one format-neutral rule (src/core/graph/node-id.ts). */
export { nodeIds } from '../../graph/node-id';
