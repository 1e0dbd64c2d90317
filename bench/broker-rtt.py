#!/usr/bin/python3
"""Broker-only latency: one thread, two plain MQTT 3.1.1 sockets, no client library.

Each round trip sends a PUBLISH on the publisher's socket and blocks on the subscriber's socket until that message
arrives, at a fixed rate; it prints p50/p90/p99 in microseconds. Unlike `bench latency` (Paho Java, three threads
per client), nothing but the broker and the kernel sits between the two timestamps, so what differs between two
brokers is the brokers. The first `rate` messages (one second) are a warm-up and are not counted. QoS 1: the
subscriber acknowledges each delivery and the publisher's PUBACK is read after the timestamp.

usage: broker-rtt.py PORT QOS RATE COUNT [USERNAME PASSWORD]
"""
import socket
import struct
import sys
import time


def remaining_length(n):
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode()
    return struct.pack('>H', len(b)) + b


def packet(first_byte, body):
    return bytes([first_byte]) + remaining_length(len(body)) + body


def read_exactly(s, n):
    b = bytearray()
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError('broker closed the connection')
        b += chunk
    return bytes(b)


def read_packet(s):
    header = read_exactly(s, 1)[0]
    mult, n = 1, 0
    while True:
        d = read_exactly(s, 1)[0]
        n += (d & 127) * mult
        mult *= 128
        if not d & 128:
            return header, read_exactly(s, n)


def connect(port, client_id, username, password):
    flags = 0x02 | (0x80 if username else 0) | (0x40 if password else 0)
    body = utf8('MQTT') + bytes([4, flags]) + struct.pack('>H', 60) + utf8(client_id)
    body += (utf8(username) if username else b'') + (utf8(password) if password else b'')
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(packet(0x10, body))
    header, ack = read_packet(s)
    if header >> 4 != 2 or ack[1] != 0:
        raise SystemExit('CONNECT refused: %r' % ack)
    return s


def main():
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    port, qos, rate, count = (int(a) for a in sys.argv[1:5])
    username = sys.argv[5] if len(sys.argv) > 5 else None
    password = sys.argv[6] if len(sys.argv) > 6 else None
    topic = 'bench/rtt'
    pub = connect(port, 'rtt-pub', username, password)
    sub = connect(port, 'rtt-sub', username, password)
    sub.sendall(packet(0x82, struct.pack('>H', 1) + utf8(topic) + bytes([qos])))
    read_packet(sub)
    interval = 1e9 / rate
    payload = b'x' * 100
    warmup = rate
    micros = []
    start = time.perf_counter_ns()
    for i in range(warmup + count):
        due = start + i * interval
        while time.perf_counter_ns() < due - 300_000:
            time.sleep(0.0002)
        while time.perf_counter_ns() < due:
            pass  # the last 0.3 ms spun, so the send is on time
        body = utf8(topic) + (struct.pack('>H', i % 65535 + 1) if qos else b'') + payload
        t0 = time.perf_counter_ns()
        pub.sendall(packet(0x30 | qos << 1, body))
        while True:
            header, received = read_packet(sub)
            if header >> 4 == 3:
                break
        t1 = time.perf_counter_ns()
        if (header >> 1) & 3 == 1:
            topic_len = struct.unpack('>H', received[:2])[0]
            sub.sendall(packet(0x40, received[2 + topic_len:4 + topic_len]))  # PUBACK with its packet id
        if qos == 1:
            read_packet(pub)  # the publisher's PUBACK
        if i >= warmup:
            micros.append((t1 - t0) / 1e3)
    micros.sort()
    n = len(micros)
    print('qos=%d rate=%d count=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f'
          % (qos, rate, n, micros[n // 2], micros[int(n * 0.9)], micros[min(n - 1, int(n * 0.99))]))


if __name__ == '__main__':
    main()
