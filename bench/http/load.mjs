// bench:http's load generator: autocannon in a process of its own, so none of its work lands on
// the server's thread. Arguments: URL CONNECTIONS SECONDS [HEADERS as JSON]. Prints one JSON
// line: the mean of autocannon's per-second samples, p99 latency, the count of requests and
// failures, and the CPU this process used (it shares the machine with the server).
import autocannon from 'autocannon';

const [url, connections, seconds, headers = '{}'] = process.argv.slice(2);
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  headers: JSON.parse(headers),
});
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    p99: result.latency.p99,
    requests: result.requests.total,
    failures: result.errors + result.timeouts + result.non2xx,
    cpuUs: cpu.user + cpu.system,
  })}\n`,
);
