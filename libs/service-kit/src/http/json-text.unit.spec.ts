import { inspectJsonText } from './json-text';

describe('inspectJsonText', () => {
  describe('depth', () => {
    it('accepts a body as deep as the limit', () => {
      expect(inspectJsonText(`{"a":${'['.repeat(3)}${']'.repeat(3)}}`, 4)).toBeUndefined();
    });

    it('refuses one level more, objects and arrays alike', () => {
      expect(inspectJsonText(`{"a":${'['.repeat(4)}${']'.repeat(4)}}`, 4)).toEqual({ code: 'BODY_TOO_DEEP' });
      expect(inspectJsonText(`${'{"a":'.repeat(5)}1${'}'.repeat(5)}`, 4)).toEqual({ code: 'BODY_TOO_DEEP' });
    });

    it('walks a body nested 100,000 levels without overflowing the stack', () => {
      expect(inspectJsonText(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 32)).toEqual({ code: 'BODY_TOO_DEEP' });
    });

    it('does not count brackets inside strings', () => {
      expect(inspectJsonText('{"a":"[[[[[[{{{{{{\\"[[[["}', 2)).toBeUndefined();
    });
  });

  describe('duplicate keys', () => {
    it('finds one at the top level', () => {
      expect(inspectJsonText('{"a":1,"b":2,"a":3}', 32)).toEqual({ code: 'DUPLICATE_JSON_KEY', field: 'a' });
    });

    it('names the path of a nested one, through arrays', () => {
      expect(inspectJsonText('{"list":[{"k":1},{"k":2,"v":{"x":1,"x":2}}]}', 32)).toEqual({ code: 'DUPLICATE_JSON_KEY', field: 'list.1.v.x' });
    });

    it('compares keys decoded', () => {
      expect(inspectJsonText('{"a\\"b":1,"a\\u0022b":2}', 32)).toEqual({ code: 'DUPLICATE_JSON_KEY', field: 'a"b' });
    });

    it('lets the same key live in sibling objects, and a value equal a key', () => {
      expect(inspectJsonText('{"a":{"k":"a"},"b":{"k":"k"},"c":[{"k":1},{"k":2}],"d":{}}', 32)).toBeUndefined();
    });

    it('is not fooled by escaped backslashes before a closing quote', () => {
      expect(inspectJsonText('{"a":"x\\\\","b":1,"c\\\\":2,"c":3}', 32)).toBeUndefined();
    });
  });
});
