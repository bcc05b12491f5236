// snake: a filter in JavaScript, the words joined in snake_case (componentize-js).
export const filter = {
  apply(text) {
    return text.trim().toLowerCase().split(/\s+/).join('_');
  },
};
