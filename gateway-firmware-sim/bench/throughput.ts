/**
 * How many simulated reads the simulator produces per second of CPU on the sample hospital.
 *   npx tsx gateway-firmware-sim/bench/throughput.ts [tagCounts…]   (default: 300 2000)
 */
import { loadSampleSite } from '@rtls/floorplans';
import { Simulation } from '../src/index.ts';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const site = loadSampleSite();
const START = Date.UTC(2025, 2, 3, 8, 0, 0);
const SIM_S = 120;

for (const tags of counts.length > 0 ? counts : [300, 2000]) {
  const built = process.cpuUsage();
  const sim = new Simulation({ site, seed: 42, tagCount: tags, startTime: START });
  const buildCpu = cpuMs(process.cpuUsage(built));
  sim.step(START + 5_000); // warm-up (JIT, first link computations)
  const before = sim.stats();
  const cpu0 = process.cpuUsage();
  let batches = 0, reads = 0, bytes = 0, jsonCpu = 0;
  for (let t = START + 6_000; t <= START + 5_000 + SIM_S * 1000; t += 1000) {
    const out = sim.step(t);
    // Serialising is what the runner does next; timed apart so the simulation's own cost is visible.
    const j0 = process.cpuUsage();
    for (const b of out) {
      batches++;
      reads += b.reads.length;
      bytes += JSON.stringify(b).length;
    }
    jsonCpu += cpuMs(process.cpuUsage(j0));
  }
  const cpu = cpuMs(process.cpuUsage(cpu0)) - jsonCpu;
  const advs = sim.stats().advertisements - before.advertisements;
  console.log(JSON.stringify({
    tags, gateways: sim.gateways().length, simulatedS: SIM_S, buildCpuMs: Math.round(buildCpu), cpuMs: Math.round(cpu),
    reads, readsPerSimS: Math.round(reads / SIM_S), readsPerCpuS: Math.round(reads / (cpu / 1000)),
    advertisementsPerCpuS: Math.round(advs / (cpu / 1000)), realtimeFactor: +((SIM_S * 1000) / cpu).toFixed(1),
    batchesPerSimS: Math.round(batches / SIM_S), jsonCpuMs: Math.round(jsonCpu), jsonKBPerSimS: Math.round(bytes / SIM_S / 1024),
  }));
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}
