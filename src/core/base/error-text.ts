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

/** What a file system error code means, in words. */
const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied', EPERM: 'not permitted', ENOENT: 'no such file or folder', ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up', EROFS: 'the file system is read-only', EEXIST: 'already exists',
  ENOTDIR: 'part of the path is a file, not a folder', EISDIR: 'is a folder', ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files', EBUSY: 'busy (in use)',
};

/**
 * A thrown error as one message for a user: a file system error names its path and says what went
 * wrong in words ("/out/x.onnx: permission denied (open)"), anything else goes through userMessage.
 */
export function errorMessage(e: unknown): string {
  const sys = e as NodeJS.ErrnoException;
  const reason = sys?.code ? FS_REASONS[sys.code] : undefined;
  if (reason && sys.path) return `${sys.path}: ${reason} (${sys.syscall ?? sys.code})`;
  return userMessage(e instanceof Error ? e.message : String(e));
}
