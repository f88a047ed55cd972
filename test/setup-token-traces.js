// cdktf records the full stack trace (at unlimited depth) of every token it creates, only to show it
// when a token cannot be resolved; under jest every one is formatted through the source maps, which
// made the construct-heavy test files take about twice as long. `synthToDisk` skips them the same way
// for `npm run synth`. Only cdktf's own module: constructs' traces (node metadata) are untouched.
jest.mock("cdktf/lib/tokens/private/stack-trace", () => ({ captureStackTrace: () => [] }));
