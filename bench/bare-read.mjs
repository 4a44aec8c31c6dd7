// The ceiling: read every packet of a capture through libpcap (the `pcap`
// addon) in Node and touch nothing but the length. Prints one JSON line.
import pcap from 'pcap';

const file = process.argv[2];
const t0 = process.hrtime.bigint();
const session = pcap.createOfflineSession(file, {});
let packets = 0;
let bytes = 0;
session.on('packet', (raw) => {
  packets++;
  bytes += raw.header.readUInt32LE(8);
});
session.on('complete', () => {
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ packets, bytes, seconds }) + '\n');
});
