// Preloaded into a measured process: reports its peak resident memory (KiB) when it exits.
process.on("exit", () => {
  require("fs").writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
