/**
 * What JSON.parse cannot tell about a body once it has parsed it: how deep it nests (every
 * recursive walk after it, such as hashing or validating, would overflow the stack on a body
 * nested ten thousand times) and whether an object names a key twice (JSON.parse keeps the last
 * one silently; RFC 8259 §4 leaves duplicates undefined and RFC 7493 I-JSON forbids them).
 */
export type JsonTextProblem = { code: 'BODY_TOO_DEEP' } | { code: 'DUPLICATE_JSON_KEY'; field: string };

/** An open object (its keys so far and the current one) or array (the current index). */
interface Frame {
  keys?: Set<string>;
  at: string | number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** A quote preceded by an odd number of backslashes is inside the string. */
const isEscaped = (text: string, at: number): boolean => {
  let backslashes = 0;
  while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
  return backslashes % 2 === 1;
};

/**
 * One pass over JSON text that JSON.parse has accepted, with an explicit stack (no recursion,
 * whatever the depth): the first problem found, or undefined. Depth counts open objects and
 * arrays, the body itself being 1. Keys are compared decoded, so `"a"` and `"\u0061"` are one key.
 */
export const inspectJsonText = (text: string, maxDepth: number): JsonTextProblem | undefined => {
  const frames: Frame[] = [];
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === QUOTE) {
      let end = text.indexOf('"', i + 1);
      while (isEscaped(text, end)) end = text.indexOf('"', end + 1);
      const frame = frames[frames.length - 1];
      if (expectingKey && frame?.keys) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (frame.keys.has(key)) {
          return { code: 'DUPLICATE_JSON_KEY', field: [...frames.slice(0, -1).map((open) => open.at), key].join('.') };
        }
        frame.keys.add(key);
        frame.at = key;
        expectingKey = false;
      }
      i = end;
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      if (frames.length === maxDepth) return { code: 'BODY_TOO_DEEP' };
      frames.push(char === OPEN_OBJECT ? { keys: new Set(), at: '' } : { at: 0 });
      expectingKey = char === OPEN_OBJECT;
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      frames.pop();
      expectingKey = false;
    } else if (char === COMMA) {
      const frame = frames[frames.length - 1];
      if (frame?.keys) expectingKey = true;
      else if (frame) frame.at = Number(frame.at) + 1;
    }
  }
  return undefined;
};
