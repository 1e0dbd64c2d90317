// MQTT.js as an MQTT 5 client of the hub over WebSocket (run by MqttJsInteropIT). Prints one JSON object with what
// it observed; the Java test decides what is right. usage: node v5_interop.js WS_URL USER PASSWORD
'use strict';
const mqtt = require('mqtt');

const [url, username, password] = process.argv.slice(2);
const report = {};
const base = { protocolVersion: 5, username, password, reconnectPeriod: 0, connectTimeout: 20000 };

function connect(clientId, extra) {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { ...base, clientId, ...extra });
    c.once('connect', (connack) => resolve({ c, connack }));
    c.once('error', (e) => { c.end(true); reject(e); });
  });
}

/** The reason code a refused CONNECT gets. */
async function refusal(clientId, extra) {
  try {
    const { c } = await connect(clientId, extra);
    c.end(true);
    return 0;
  } catch (e) {
    return e.code;
  }
}

/** The next {@code n} messages (or what came within {@code ms}). */
function collect(c, n, ms) {
  return new Promise((resolve) => {
    const got = [];
    const done = () => { clearTimeout(timer); c.removeListener('message', onMessage); resolve(got); };
    const onMessage = (topic, payload, packet) => {
      const p = packet.properties || {};
      const ids = p.subscriptionIdentifier === undefined ? [] : [].concat(p.subscriptionIdentifier);
      got.push({ topic, payload: payload.toString(), qos: packet.qos, subscriptionIds: ids, userProperties: p.userProperties || null });
      if (got.length === n) done();
    };
    const timer = setTimeout(done, ms);
    c.on('message', onMessage);
  });
}

const sub = (c, topic, opts) => new Promise((res, rej) => c.subscribe(topic, opts, (e, g) => (e ? rej(e) : res(g.map((x) => x.qos)))));
const pub = (c, topic, msg, opts) => new Promise((res, rej) => c.publish(topic, msg, opts, (e) => (e ? rej(e) : res())));

(async () => {
  // publish and subscribe at QoS 0, 1 and 2 with a subscription identifier and user properties
  const { c: s, connack } = await connect('js-sub');
  const props = connack.properties || {};
  report.sharedSubscriptionAvailable = props.sharedSubscriptionAvailable;
  report.subscriptionIdentifiersAvailable = props.subscriptionIdentifiersAvailable;
  report.granted = await sub(s, 'js/#', { qos: 2, properties: { subscriptionIdentifier: 9 } });
  const received = collect(s, 3, 20000);
  const { c: p } = await connect('js-pub');
  for (const qos of [0, 1, 2]) {
    await pub(p, 'js/q' + qos, 'qos ' + qos, { qos, properties: { userProperties: { origin: 'mqttjs', n: String(qos) } } });
  }
  report.received = await received;

  // a shared subscription: two members, each message to one of them
  const { c: m1 } = await connect('js-m1');
  const { c: m2 } = await connect('js-m2');
  await sub(m1, '$share/g/js/shared', { qos: 1 });
  await sub(m2, '$share/g/js/shared', { qos: 1 });
  const got1 = collect(m1, 100, 5000);
  const got2 = collect(m2, 100, 5000);
  for (let i = 0; i < 6; i++) {
    await pub(p, 'js/shared', 'm' + i, { qos: 1 });
  }
  report.shared = [(await got1).map((m) => m.payload), (await got2).map((m) => m.payload)];
  for (const c of [s, p, m1, m2]) c.end(true);

  // refused CONNECTs: their MQTT 5 reason codes
  report.badPassword = await refusal('js-bad', { password: 'wrong' });
  report.unknownUser = await refusal('js-bad2', { username: 'nobody' });
  report.willNotPermitted = await refusal('js-will', { will: { topic: 'forbidden/will', payload: 'x', qos: 0 } });
  report.authenticationMethod = await refusal('js-auth', { properties: { authenticationMethod: 'SCRAM-SHA-1' } });
  console.log(JSON.stringify(report));
  process.exit(0);
})().catch((e) => {
  console.error('error: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
