// SPDX-License-Identifier: Apache-2.0
// One member of the test cluster: an aedes broker on 127.0.0.1:<port> whose
// messages (mqemitter-redis) and sessions, retained messages and Wills
// (aedes-persistence-redis) live in the Redis on <redis port>, shared by
// every member. A member that stops beating for 3 x heartbeatInterval is
// taken as dead by the others, which then publish its clients' Wills: the
// interval is low so a killed member's Wills come within seconds.
//
// Usage: node broker.js <id> <port> <redis port> [heartbeat ms]
import { createServer } from 'node:net'
import { Aedes } from 'aedes'
import mqemitterRedis from 'mqemitter-redis'
import persistenceRedis from 'aedes-persistence-redis'

const [id, port, redisPort, heartbeat = '1000'] = process.argv.slice(2)
if (!id || !Number(port) || !Number(redisPort) || !Number(heartbeat)) {
  console.error('usage: node broker.js <id> <port> <redis port> [heartbeat ms]')
  process.exit(2)
}

const redis = { host: '127.0.0.1', port: Number(redisPort) }
const broker = await Aedes.createBroker({
  id,
  mq: mqemitterRedis(redis),
  persistence: persistenceRedis(redis),
  heartbeatInterval: Number(heartbeat)
})
const server = createServer(broker.handle)
server.on('error', (err) => {
  console.error(`member ${id}: ${err.message}`)
  process.exit(1)
})
server.listen(Number(port), '127.0.0.1', () => console.log(`member ${id} listening on ${port}`))
broker.on('clientError', (client, err) => console.log(`member ${id}: client ${client.id}: ${err.message}`))
process.on('SIGTERM', () => broker.close(() => server.close(() => process.exit(0))))
