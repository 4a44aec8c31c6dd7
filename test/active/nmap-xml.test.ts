/**
 * The nmap XML reader, on XML recorded from the real nmap 7.93
 * (test/fixtures/nmap, scripts/fixtures/record-nmap.sh) and on malformed
 * input: truncated, mismatched, unknown entities, not nmap's.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNmapXml, NmapXmlError } from '../../agent/active/nmap-xml.js';
import { readDicomPing } from '../../agent/active/probe.js';
import { decodeEntities, parseXml, XmlError } from '../../agent/active/xml-reader.js';
import { FIXTURES } from '../helpers/paths.js';

const fx = (name: string): string => readFileSync(join(FIXTURES, 'nmap', name), 'utf8');

t.test('DICOM phase on loopback: storescp any AE, dcmqrscp called AE checked, a closed port', async (t) => {
  const run = parseNmapXml(fx('dicom-loopback.xml'));
  t.equal(run.scanner, 'nmap');
  t.equal(run.version, '7.93');
  t.match(run.args, /^nmap -n -Pn -sT --unprivileged .*--script \+dicom-ping/, 'args decoded (&#45; entities)');
  t.equal(run.exit, 'success');
  t.equal(run.hostsUp, 1);
  t.equal(run.hosts.length, 1);
  const h = run.hosts[0];
  t.same(h.status, { state: 'up', reason: 'user-set' });
  t.same(h.addresses, [{ addr: '127.0.0.1', type: 'ipv4', vendor: null }]);
  t.same(h.ports.map((p) => [p.port, p.state, p.reason]), [[41104, 'open', 'syn-ack'], [41105, 'open', 'syn-ack'], [41106, 'closed', 'conn-refused']]);
  const [any, checked, closed] = h.ports;
  t.same(any.service, { name: 'dicom', product: null, version: null, extrainfo: null, ostype: null, tunnel: null, method: 'probed', conf: 10, cpe: [] });
  t.equal(any.scripts[0].id, 'dicom-ping');
  t.same(any.scripts[0].elems, { dicom: 'DICOM Service Provider discovered!', config: 'Any AET is accepted (Insecure)' });
  t.match(any.scripts[0].output, /^\n {2}dicom: DICOM Service Provider discovered!\n {2}config: Any AET/, 'output attribute with &#xa; decoded');
  t.same(checked.scripts[0].elems.config, 'Called AET check enabled');
  t.same(readDicomPing(any), { port: 41104, calledAeCheck: 'any-ae-accepted' });
  t.same(readDicomPing(checked), { port: 41105, calledAeCheck: 'enabled' });
  t.equal(readDicomPing(closed), null);
  t.same(closed.scripts, []);
});

t.test('-sV output: product, version, extrainfo, CPE', async (t) => {
  const p = parseNmapXml(fx('extended-http.xml')).hosts[0].ports[0];
  t.match(p.service, { name: 'http', product: 'SimpleHTTPServer', version: '0.6', method: 'probed', conf: 10, cpe: ['cpe:/a:python:simplehttpserver:0.6'] });
  t.match(p.service?.extrainfo, /^Python 3\./);
  const dicom = parseNmapXml(fx('extended-storescp.xml')).hosts[0].ports[0];
  t.equal(dicom.service?.name, 'dicom');
  t.equal(readDicomPing(dicom)?.calledAeCheck, 'any-ae-accepted');
});

t.test("nmap's own error reports", async (t) => {
  const bad = parseNmapXml(fx('error-bad-port.xml'));
  t.equal(bad.exit, 'error');
  t.equal(bad.errorMessage, 'Ports specified must be between 0 and 65535 inclusive');
  t.same(bad.hosts, []);
  const nse = parseNmapXml(fx('error-nse.xml'));
  t.equal(nse.exit, 'error');
  t.match(nse.errorMessage, /NSE: failed to initialize the script engine:\n.*'no-such-script' did not match/s, '&apos; and &#xa; decoded');
  t.match(nse.errorMessage, /\n\t\[C\]/, '&#x9; decoded');
});

t.test('closed port only', async (t) => {
  const run = parseNmapXml(fx('closed-port.xml'));
  t.same(run.hosts[0].ports.map((p) => p.state), ['closed']);
});

t.test('structure the recordings lack: tables, hostscripts, MAC vendor, ipv6, extraports, hostnames', async (t) => {
  const xml = `<?xml version="1.0"?><!DOCTYPE nmaprun><nmaprun scanner="nmap" version="7.93" start="1">
<host starttime="1" endtime="2"><status state="up" reason="user-set"/>
<address addr="2001:db8::5" addrtype="ipv6"/><address addr="02:00:00:00:00:0A" addrtype="mac" vendor="Acme &amp; Sons"/>
<hostnames><hostname name="pump-7" type="PTR"/></hostnames>
<ports><extraports state="closed" count="5"><extrareasons reason="conn-refused" count="5"/></extraports>
<port protocol="tcp" portid="104"><state state="open" reason="syn-ack"/><service name="acr-nema" method="table" conf="3"/>
<script id="x" output="o"><elem key="a">1</elem><table key="t"><elem>2</elem><table><elem key="k">v</elem></table></table><![CDATA[ignored <text>]]></script></port></ports>
<hostscript><script id="h" output="hs"/></hostscript></host>
<runstats><finished exit="success" elapsed="0.5" summary="s"/><hosts up="1" down="0" total="1"/></runstats></nmaprun>`;
  const run = parseNmapXml(xml);
  const h = run.hosts[0];
  t.same(h.addresses, [{ addr: '2001:db8::5', type: 'ipv6', vendor: null }, { addr: '02:00:00:00:00:0A', type: 'mac', vendor: 'Acme & Sons' }]);
  t.same(h.hostnames, ['pump-7']);
  t.same(h.extraPorts, [{ state: 'closed', count: 5 }]);
  t.same(h.hostScripts.map((s) => s.id), ['h']);
  t.same(h.ports[0].service?.method, 'table');
  t.same(h.ports[0].scripts[0].structured, {
    entries: [
      { key: 'a', value: '1' },
      { key: 't', value: { entries: [{ key: null, value: '2' }, { key: null, value: { entries: [{ key: 'k', value: 'v' }] } }] } },
    ],
  });
  t.same(h.ports[0].scripts[0].elems, { a: '1' }, 'only top-level keyed strings in elems');
  t.equal(run.elapsedSeconds, 0.5);
});

t.test('malformed and foreign input is an error, never a partial guess', async (t) => {
  const full = fx('dicom-loopback.xml');
  // Every cut inside the document: either a parse error, or (cut after </nmaprun>) a whole run.
  let errors = 0;
  for (let cut = 0; cut < full.length - 1; cut += 7) {
    try {
      const run = parseNmapXml(full.slice(0, cut));
      t.fail(`cut at ${cut} parsed (${run.hosts.length} hosts)`);
    } catch (err) {
      if (!(err instanceof NmapXmlError)) throw err;
      errors++;
    }
  }
  t.ok(errors > 300, `${errors} truncations refused`);
  t.throws(() => parseNmapXml(''), NmapXmlError);
  t.throws(() => parseNmapXml('<html><body/></html>'), /root element is <html>, not <nmaprun>/);
  t.throws(() => parseNmapXml('<nmaprun><host></nmaprun>'), /does not close <host>/);
  t.throws(() => parseNmapXml('<nmaprun a="&foo;"/>'), /unknown entity '&foo;'/);
  t.throws(() => parseNmapXml('<nmaprun a="&#0;"/>'), /not an XML character/);
  t.throws(() => parseNmapXml('<nmaprun a="1" a="2"/>'), /repeated/);
  t.throws(() => parseNmapXml('<nmaprun a=1/>'), /not quoted/);
  t.throws(() => parseNmapXml('<nmaprun/><nmaprun/>'), /second root/);
  t.throws(() => parseNmapXml('<nmaprun/>trailing'), /text after the root/);
  t.throws(() => parseNmapXml('<!DOCTYPE x [<!ENTITY e "boom">]><nmaprun/>'), /internal subsets/);
  t.throws(() => parseNmapXml('<nmaprun><host><ports><port protocol="tcp" portid="70000"><state state="open"/></port></ports></host></nmaprun>'), /not a port number/);
  t.throws(() => parseNmapXml('<nmaprun><host><ports><port protocol="tcp" portid="1"/></ports></host></nmaprun>'), /has no <state>/);
  t.throws(() => parseNmapXml('<nmaprun><host><address addr="x" addrtype="dns"/></host></nmaprun>'), /not ipv4, ipv6 or mac/);
  t.throws(() => parseXml('<a>' + '<b>'.repeat(70) + '</b>'.repeat(70) + '</a>'), /nested deeper than 64/);
  t.throws(() => parseXml('<a><b/><b/><b/></a>', { maxElements: 3 }), /more than 3 elements/);
  t.throws(() => parseXml('<a>x</a>', { maxBytes: 4 }), XmlError);
  const run = parseNmapXml('<nmaprun><host><status state="up"/><address addr="127.0.0.1" addrtype="ipv4"/></host></nmaprun>');
  t.equal(run.exit, null, 'a run without <runstats> says so (exit null)');
});

t.test('entity decoding', async (t) => {
  t.equal(decodeEntities('a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;&#x1F600;'), 'a <b> & "c" \'d\' AB😀');
  t.throws(() => decodeEntities('a & b'), /unterminated reference/);
  t.throws(() => decodeEntities('&#xD800;'), /not an XML character/);
});
