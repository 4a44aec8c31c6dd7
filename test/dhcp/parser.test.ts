/**
 * DHCP parser over hand-built messages: every option kind we read, option
 * overload, and each way a message can be broken.
 */
import t from 'tap';
import {
  dhcpEventFromPacket,
  dhcpPortHint,
  dhcpProbe,
  DHCP_MAX_OPTIONS,
  looksLikeDhcp,
  parseDhcp,
  parseDhcpMessage,
  type DhcpEvent,
  type DhcpMessageEvent,
} from '../../protocols/dhcp/index.js';
import { END, PAD, header, message, opt, packet, COOKIE } from './builder.js';

function messageEvent(events: DhcpEvent[]): DhcpMessageEvent {
  const m = events.find((e): e is DhcpMessageEvent => e.type === 'dhcp.message');
  if (!m) throw new Error('no dhcp.message event');
  return m;
}

function anomalies(events: DhcpEvent[]): { kind: string; detail: string }[] {
  return events.filter((e) => e.type === 'anomaly').map((e) => ({ kind: (e as { kind: string }).kind, detail: (e as { detail: string }).detail }));
}

t.test('a REQUEST with every option kind we read', async (t) => {
  const payload = message(
    { xid: 0xdeadbeef, ciaddr: [0, 0, 0, 0], giaddr: [10, 1, 2, 3] },
    opt(53, [3]), // message type: REQUEST
    opt(61, [0x01, 0x00, 0x09, 0xfb, 0x01, 0x02, 0x03]), // client id: type 1 + MAC
    opt(50, [192, 0, 2, 77]), // requested address
    opt(54, [192, 0, 2, 1]), // server identifier
    opt(57, [0x05, 0xdc]), // max message size 1500
    opt(12, 'INFUSION-PUMP-07'), // host name
    PAD, PAD, // pads between options are legal
    opt(81, [0x04, 0x00, 0x00, 3, ...Buffer.from('pmp'), 3, ...Buffer.from('icu'), 0]), // FQDN, E flag, wire labels
    opt(60, 'AlarisPC 9.19'), // vendor class
    opt(55, [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252]), // parameter request list
    END,
    Buffer.alloc(20), // trailing padding after end
  );
  t.ok(looksLikeDhcp(payload));
  const r = parseDhcp(payload);
  t.ok(r);
  t.same(r!.issues, []);
  const events = dhcpEventFromPacket(packet(payload));
  t.equal(events.length, 1, 'no anomalies');
  const e = messageEvent(events);
  t.match(e, {
    type: 'dhcp.message',
    protocol: 'dhcp',
    ts: 1000.5,
    dir: 'orig',
    op: 1,
    messageType: 'REQUEST',
    clientMac: '00:09:fb:01:02:03',
    clientIp: null,
    yourIp: null,
    requestedIp: '192.0.2.77',
    serverId: '192.0.2.1',
    hostName: 'INFUSION-PUMP-07',
    fqdn: 'pmp.icu',
    vendorClass: 'AlarisPC 9.19',
    parameterRequestList: '1,3,6,15,31,33,43,44,46,47,119,121,249,252',
    clientId: '010009fb010203',
    leaseTime: null,
    srcIp: '0.0.0.0',
    dstIp: '255.255.255.255',
    srcMac: '00:09:fb:01:02:03',
    xid: 'deadbeef',
    relayIp: '10.1.2.3',
    optionCodes: '53,61,50,54,57,12,81,60,55',
    maxMessageSize: 1500,
  });
  for (const [k, v] of Object.entries(e)) {
    t.ok(v === null || ['string', 'number'].includes(typeof v), `${k} is a plain value`);
  }
});

t.test('an ACK: server fields, lease time, reply direction', async (t) => {
  const payload = message(
    { op: 2, yiaddr: [192, 0, 2, 77], ciaddr: [192, 0, 2, 77], siaddr: [192, 0, 2, 1] },
    opt(53, [5]),
    opt(54, [192, 0, 2, 1]),
    opt(51, [0x00, 0x01, 0x51, 0x80]), // 86400 s
    opt(1, [255, 255, 255, 0]),
    END,
  );
  const e = messageEvent(dhcpEventFromPacket(packet(payload)));
  t.equal(e.dir, 'resp');
  t.equal(e.op, 2);
  t.equal(e.messageType, 'ACK');
  t.equal(e.yourIp, '192.0.2.77');
  t.equal(e.clientIp, '192.0.2.77');
  t.equal(e.leaseTime, 86400);
  t.equal(e.serverId, '192.0.2.1');
  t.equal(e.hostName, null);
  t.equal(e.parameterRequestList, null);
});

t.test('every message type name, and unknown ones', async (t) => {
  const names = ['DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM'];
  names.forEach((name, i) => {
    const e = messageEvent(dhcpEventFromPacket(packet(message({}, opt(53, [i + 1]), END))));
    t.equal(e.messageType, name);
  });
  t.equal(messageEvent(dhcpEventFromPacket(packet(message({}, opt(53, [200]), END)))).messageType, 'UNKNOWN-200');
  t.equal(messageEvent(dhcpEventFromPacket(packet(message({}, END)))).messageType, null, 'plain BOOTP with cookie');
});

t.test('text or hex: binary vendor class, NUL-terminated host name, ASCII FQDN', async (t) => {
  const payload = message(
    {},
    opt(60, [0x00, 0x01, 0xff, 0x80]), // binary vendor class
    opt(12, 'monitor-3\u0000'), // C-string host name
    opt(81, [0x01, 0xff, 0xff, ...Buffer.from('pump07.icu.example.')]), // FQDN, no E flag: ASCII
    END,
  );
  const e = messageEvent(dhcpEventFromPacket(packet(payload)));
  t.equal(e.vendorClass, '0x0001ff80');
  t.equal(e.hostName, 'monitor-3');
  t.equal(e.fqdn, 'pump07.icu.example');
  // A host name with a control character is not shown as text.
  const ctl = messageEvent(dhcpEventFromPacket(packet(message({}, opt(12, 'a\u001bb'), END))));
  t.equal(ctl.hostName, '0x611b62');
  // UTF-8 is text.
  const u = messageEvent(dhcpEventFromPacket(packet(message({}, opt(12, Buffer.from('Stéthoscope', 'utf8')), END))));
  t.equal(u.hostName, 'Stéthoscope');
});

t.test('a chaddr that is not Ethernet gives no client MAC', async (t) => {
  const ib = messageEvent(dhcpEventFromPacket(packet(message({ htype: 32, hlen: 0 }, END))));
  t.equal(ib.clientMac, null);
  const long = messageEvent(dhcpEventFromPacket(packet(message({ htype: 1, hlen: 16 }, END))));
  t.equal(long.clientMac, null);
});

t.test('repeated options are concatenated (RFC 2131 §4.1)', async (t) => {
  const payload = message({}, opt(12, 'INFUSION-'), opt(53, [1]), opt(12, 'PUMP-07'), opt(55, [1, 3]), opt(55, [6]), END);
  const e = messageEvent(dhcpEventFromPacket(packet(payload)));
  t.equal(e.hostName, 'INFUSION-PUMP-07');
  t.equal(e.parameterRequestList, '1,3,6');
  t.equal(e.optionCodes, '12,53,12,55,55');
});

t.test('option overload (52): options continue in file, then sname', async (t) => {
  // RFC 2131 §4.1 reading order: options field, file, sname.
  const file = Buffer.concat([opt(12, 'VENTILATOR-12'), opt(55, [1, 3, 6]), END]);
  const sname = Buffer.concat([opt(60, 'HAMILTON-C6'), PAD, END]);
  const payload = message({ file, sname }, opt(53, [1]), opt(52, [3]), END);
  const r = parseDhcpMessage(payload)!;
  t.same(r.issues, []);
  t.equal(r.value.overload, 3);
  t.equal(r.value.file, null);
  t.equal(r.value.sname, null);
  t.same(r.value.options.map((o) => [o.code, o.area]), [
    [53, 'options'], [52, 'options'], [12, 'file'], [55, 'file'], [60, 'sname'],
  ]);
  const e = messageEvent(dhcpEventFromPacket(packet(payload)));
  t.equal(e.hostName, 'VENTILATOR-12');
  t.equal(e.vendorClass, 'HAMILTON-C6');
  t.equal(e.parameterRequestList, '1,3,6');

  // Overload 1 (file only): sname stays a server name and is not walked.
  const onlyFile = message({ file, sname: Buffer.concat([opt(60, 'NOT-OPTIONS'), END]) }, opt(52, [1]), END);
  const r1 = parseDhcpMessage(onlyFile)!;
  t.equal(r1.value.overload, 1);
  t.equal(r1.value.sname?.length, 64);
  t.equal(r1.value.file, null);
  t.notOk(r1.value.options.some((o) => o.code === 60));

  // Overload 2 (sname only).
  const onlySname = message({ sname }, opt(52, [2]), END);
  const r2 = parseDhcpMessage(onlySname)!;
  t.equal(r2.value.file?.length, 128);
  t.ok(r2.value.options.some((o) => o.code === 60 && o.area === 'sname'));
});

t.test('option overload gone wrong', async (t) => {
  // No end option in the file area: options read, then an issue.
  const unterminated = Buffer.alloc(128, 0); // only pads
  opt(12, 'X').copy(unterminated, 0);
  const r = parseDhcpMessage(message({ file: unterminated }, opt(52, [1]), END))!;
  t.match(r.issues, [{ kind: 'malformed', detail: /no end option in file/ }]);
  t.ok(r.value.options.some((o) => o.code === 12 && o.area === 'file'));

  // Invalid overload value: nothing is read from file/sname.
  const bad = parseDhcpMessage(message({ file: Buffer.concat([opt(12, 'X'), END]) }, opt(52, [7]), END))!;
  t.match(bad.issues, [{ kind: 'malformed', detail: /option 52/ }]);
  t.equal(bad.value.overload, 0);
  t.notOk(bad.value.options.some((o) => o.area === 'file'));

  // Overload inside the file area is ignored and reported (no recursion).
  const nested = parseDhcpMessage(message({ file: Buffer.concat([opt(52, [2]), END]), sname: Buffer.concat([opt(12, 'X'), END]) }, opt(52, [1]), END))!;
  t.match(nested.issues, [{ kind: 'malformed', detail: /inside file/ }]);
  t.notOk(nested.value.options.some((o) => o.area === 'sname'));

  // An option in the file area that runs past its 128 bytes.
  const over = Buffer.alloc(128);
  over[126] = 12;
  over[127] = 10;
  const r3 = parseDhcpMessage(message({ file: over }, opt(52, [1]), END))!;
  t.match(r3.issues, [{ kind: 'truncated', detail: /option 12 in file declares 10 bytes but only 0 remain/ }]);
});

t.test('a truncated option keeps what came before it', async (t) => {
  const payload = Buffer.concat([
    message({}, opt(53, [1]), opt(12, 'PUMP')),
    Buffer.from([60, 20, 0x41, 0x42]), // vendor class declares 20 bytes, 2 present
  ]);
  const r = parseDhcp(payload)!;
  t.same(r.issues, ['truncated: option 60 in options declares 20 bytes but only 2 remain']);
  t.equal(r.value.fields.hostName, 'PUMP');
  t.equal(r.value.fields.vendorClass, null);
  const events = dhcpEventFromPacket(packet(payload));
  t.equal(messageEvent(events).messageType, 'DISCOVER');
  t.same(anomalies(events), [{ kind: 'truncated', detail: 'option 60 in options declares 20 bytes but only 2 remain' }]);
  const a = events.find((e) => e.type === 'anomaly')!;
  t.match(a, { protocol: 'dhcp', dir: 'orig', ts: 1000.5, srcIp: '0.0.0.0', srcMac: '00:09:fb:01:02:03' });

  // A code byte with no length byte.
  const r2 = parseDhcp(Buffer.concat([message({}, opt(53, [1])), Buffer.from([12])]))!;
  t.match(r2.issues, [/truncated: option 12 in options at offset \d+ has no length byte/]);
});

t.test('a missing end option is reported, options kept', async (t) => {
  const r = parseDhcp(message({}, opt(53, [1]), opt(12, 'PUMP')))!;
  t.same(r.issues, ['truncated: no end option in options']);
  t.equal(r.value.fields.hostName, 'PUMP');
  // Cookie and nothing else.
  const empty = parseDhcp(Buffer.concat([header(), COOKIE]))!;
  t.same(empty.issues, ['truncated: no end option in options']);
  t.same(empty.value.message.options, []);
});

t.test('options of the wrong size are malformed, not guessed', async (t) => {
  const payload = message(
    {},
    opt(53, [1, 2]), // message type must be 1 byte
    opt(50, [192, 0, 2]), // requested address must be 4
    opt(54, []), // server id must be 4
    opt(51, [0, 0, 1]), // lease must be 4
    opt(57, [5]), // max size must be 2
    opt(12, []), // host name min 1
    opt(55, []), // request list min 1
    opt(61, [1]), // client id min 2
    opt(81, [0x04]), // FQDN min 3
    END,
  );
  const events = dhcpEventFromPacket(packet(payload));
  const e = messageEvent(events);
  for (const k of ['messageType', 'requestedIp', 'serverId', 'leaseTime', 'maxMessageSize', 'hostName', 'parameterRequestList', 'clientId', 'fqdn'] as const) {
    t.equal(e[k], null, `${k} null`);
  }
  const a = anomalies(events);
  t.equal(a.length, 9);
  t.ok(a.every((x) => x.kind === 'malformed'));
});

t.test('FQDN in wire format: bad labels', async (t) => {
  const pointer = messageEvent(dhcpEventFromPacket(packet(message({}, opt(81, [0x04, 0, 0, 3, 0x61, 0x62, 0x63, 0xc0, 0x0c]), END))));
  t.equal(pointer.fqdn, 'abc', 'labels before the pointer are kept');
  const ev = dhcpEventFromPacket(packet(message({}, opt(81, [0x04, 0, 0, 3, 0x61, 0x62, 0x63, 0xc0, 0x0c]), END)));
  t.match(anomalies(ev), [{ kind: 'malformed', detail: /label length byte 192/ }]);
  const short = dhcpEventFromPacket(packet(message({}, opt(81, [0x04, 0, 0, 9, 0x61]), END)));
  t.equal(messageEvent(short).fqdn, null);
  t.match(anomalies(short), [{ kind: 'truncated' }]);
  // A partial name (no root label) is allowed by RFC 4702 §2.3.
  const partial = messageEvent(dhcpEventFromPacket(packet(message({}, opt(81, [0x05, 0, 0, 3, 0x70, 0x6d, 0x33]), END))));
  t.equal(partial.fqdn, 'pm3');
});

t.test('the option cap stops a flood of options', async (t) => {
  const many = Array.from({ length: DHCP_MAX_OPTIONS + 50 }, () => opt(224, [])); // private-use code, empty value
  const r = parseDhcpMessage(message({}, ...many, END))!;
  t.equal(r.value.options.length, DHCP_MAX_OPTIONS);
  t.same(r.issues.map((i) => i.kind), ['cap']);
  // The cap also covers options in overloaded fields.
  const r2 = parseDhcpMessage(message({ file: Buffer.concat([opt(12, 'X'), END]) }, opt(52, [1]), ...many.slice(0, DHCP_MAX_OPTIONS - 1), END))!;
  t.equal(r2.value.options.length, DHCP_MAX_OPTIONS);
  t.same(r2.issues.map((i) => i.kind), ['cap']);
});

t.test('what is not DHCP', async (t) => {
  const good = message({}, opt(53, [1]), END);
  t.ok(looksLikeDhcp(good));
  const badCookie = Buffer.from(good);
  badCookie[239] = 0x64;
  t.equal(parseDhcp(badCookie), null, 'bad cookie');
  t.same(dhcpEventFromPacket(packet(badCookie)), [], 'no events for a bad cookie');
  t.equal(parseDhcp(message({ op: 3 }, END)), null, 'op 3');
  t.equal(parseDhcp(message({ op: 0 }, END)), null, 'op 0');
  t.equal(parseDhcp(message({ htype: 0 }, END)), null, 'htype 0');
  t.equal(parseDhcp(message({ hlen: 17 }, END)), null, 'hlen > 16');
  t.equal(parseDhcp(message({ hops: 17 }, END)), null, 'hops > 16');
  t.equal(parseDhcp(good.subarray(0, 239)), null, 'shorter than header + cookie');
  t.equal(parseDhcp(Buffer.alloc(0)), null, 'empty');
  t.same(dhcpEventFromPacket(packet(Buffer.from('GET / HTTP/1.1\r\n\r\n'))), []);
});

t.test('probe over prefixes, and the port hint', async (t) => {
  const good = message({}, opt(53, [1]), END);
  t.equal(dhcpProbe(good), 'match');
  t.equal(dhcpProbe(good.subarray(0, 0)), 'need-more');
  t.equal(dhcpProbe(good.subarray(0, 100)), 'need-more');
  t.equal(dhcpProbe(good.subarray(0, 239)), 'need-more');
  t.equal(dhcpProbe(Buffer.from([0x16, 0x03, 0x01])), 'no-match', 'a TLS record is ruled out at once');
  t.equal(dhcpProbe(Buffer.from([1, 0])), 'no-match', 'htype 0');
  t.equal(dhcpProbe(Buffer.from([1, 1, 20])), 'no-match', 'hlen 20');
  t.equal(dhcpProbe(Buffer.from([2, 1, 6, 200])), 'no-match', 'hops 200');
  const badCookie = Buffer.from(good);
  badCookie[236] = 0;
  t.equal(dhcpProbe(badCookie), 'no-match');
  t.ok(dhcpPortHint(68, 67));
  t.ok(dhcpPortHint(40000, 67));
  t.notOk(dhcpPortHint(53, 40000));
});

t.test('option data are views, not copies; events hold no Buffers', async (t) => {
  const payload = message({}, opt(12, 'PUMP'), END);
  const r = parseDhcpMessage(payload)!;
  const host = r.value.options[0]!.data;
  t.equal(host.buffer, payload.buffer, 'same backing memory');
  const events = dhcpEventFromPacket(packet(payload));
  payload.fill(0); // the capture buffer is reused for the next packet
  t.equal(messageEvent(events).hostName, 'PUMP', 'event values were copied out');
});
