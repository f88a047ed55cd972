// Preloaded into a measured process: reports its peak resident memory (KiB) and CPU time (µs) when it exits.
process.on("exit", () => {
  const u = process.resourceUsage();
  require("fs").writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ maxRSS: u.maxRSS, cpu: u.userCPUTime + u.systemCPUTime }));
});
