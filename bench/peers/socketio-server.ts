/**
 * Peer: Socket.IO 4 with rooms, the way an application would run it behind NATS: one core NATS
 * subscription, each message emitted to the room named after its subject. A middleware verifies
 * the client's JWT (`auth: { token }`, HS256, jose) before the connection is accepted.
 * Usage: node socketio-server.js <nats-url> <port>
 */
import { connect } from '@nats-io/transport-node';
import { Server } from 'socket.io';
import { verifyBenchToken } from '../lib/auth.js';

const [natsUrl, port] = process.argv.slice(2);
const io = new Server(Number(port), { transports: ['websocket'], serveClient: false, perMessageDeflate: false, cors: { origin: '*' } });
io.use((socket, next) => {
  const token: unknown = socket.handshake.auth['token'];
  if (typeof token !== 'string') return next(new Error('unauthorized'));
  verifyBenchToken(token).then((claims) => {
    socket.data.user = claims.sub;
    next();
  }, () => next(new Error('unauthorized')));
});
io.on('connection', (socket) => {
  socket.on('sub', (room: string, ack: () => void) => {
    void socket.join(room);
    ack();
  });
});
const nc = await connect({ servers: natsUrl as string, name: 'bench-socketio' });
const PREFIX = 'bench.'.length;
nc.subscribe('bench.>', {
  // Payloads are ASCII: a latin1 string is the same bytes as a text frame.
  callback: (_err, msg) => {
    io.to(msg.subject.slice(PREFIX)).emit('m', Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.length).toString('latin1'));
  },
});
await nc.flush();
console.log(`socket.io ready on ${port}`);
process.on('SIGTERM', () => process.exit(0));
