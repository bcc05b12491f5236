// js-many: a JavaScript provider of test:card/many.
export const many = {
  greet(name) {
    return `ciao, ${name}`;
  },
  notify(msg) {},
};
