// Azure SDK packages ship their REST-spec serialization models (mappers.js) only as ES modules, with
// no imports: turn each `export const|let X =` into a CommonJS export so jest can require the file.
module.exports = {
  process(src) {
    return { code: src.replace(/^export (const|let) (\w+) =/gm, "$1 $2 = exports.$2 =") };
  },
};
