/**
 * An error message fit for a user. ONNX Runtime's carry its source path, the C++ function's
 * signature, the failed check's expression and terminal colour codes: those are dropped and the
 * words kept ("Reshape node 'r': The input tensor cannot be reshaped to the requested shape...").
 */
const ANSI = /\x1b\[[0-9;]*m/g;
const ORT_CODE = /\[ONNXRuntimeError\] : \d+ : \w+ : /g;
const ORT_NODE = /Non-zero status code returned while running (\S+) node\. Name:'([^']*)' Status Message: /g;
const ORT_SOURCE = /\/onnxruntime_src\/\S+:\d+ (?:\S+?\([^()]*\)(?: const)? )?(?:[^.]*? was false\. )?/g;

export function userMessage(text: string): string {
  return text.replace(ANSI, '').replace(ORT_CODE, '').replace(ORT_NODE, "$1 node '$2': ").replace(ORT_SOURCE, '').trim();
}
