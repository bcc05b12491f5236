// js-values: test:app/values in JavaScript, answering exactly like the Rust guest `values`.
export const values = {
  add(a, b) {
    return (a + b) >>> 0;
  },
  echo(s) {
    return s;
  },
  tag(e, extra) {
    return { name: e.name, tags: [...e.tags, extra], score: e.score === undefined ? 1 : e.score + 1 };
  },
  area(s) {
    switch (s.tag) {
      case 'circle':
        return 3.0 * s.val * s.val;
      case 'rect':
        return s.val[0] * s.val[1];
      default:
        return 0.0;
    }
  },
  // A thrown value becomes the `err` case of the result.
  checkedDiv(a, b) {
    if (b === 0) throw 'division by zero';
    return Math.floor(a / b);
  },
  find(name) {
    return ['red', 'green', 'blue'].includes(name) ? name : undefined;
  },
  grant(p) {
    return { ...p, exec: true };
  },
  nothing() {},
  bytes(n) {
    return Uint8Array.from({ length: n }, (_, i) => i & 0xff);
  },
};
