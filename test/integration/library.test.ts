// The library entry point, used the way a Node test suite would: load a folder of manifests, start a
// mesh in-process, send through it, read status and activity, close it.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadManifests} from '../../src/index.js'
import {repoRoot} from '../helpers/cli.js'
import {useMesh} from '../helpers/mesh.js'
import {binaryHeaders, post} from '../helpers/subscriber.js'

describe('library API', () => {
  const kit = useMesh()

  it('runs the manifests of a folder in-process and closes without leaving work behind', async () => {
    const orders = await kit.subscriber()
    const loaded = loadManifests([join(repoRoot, 'test', 'fixtures', 'shop')])
    expect(loaded.errors).toEqual([])
    expect(loaded.resources.map((r) => `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`).sort()).toEqual([
      'Broker shop/default',
      'Trigger shop/everything-audited',
      'Trigger shop/order-created',
    ])
    const mesh = await kit.start({resources: loaded.resources, services: {'order-processor': orders.url, audit: orders.url}})
    const answer = await post(`${mesh.url}/shop/default`, binaryHeaders('com.example.order.created'))
    expect(answer.status).toBe(202)
    expect(await orders.waitFor(2)).toHaveLength(2)
    const status = mesh.status()
    expect(status.brokers).toEqual([
      expect.objectContaining({name: 'default', namespace: 'shop', ready: true, url: `${mesh.url}/shop/default`}),
    ])
    expect(status.triggers.every((t) => t.ready && t.counters.delivered === 1)).toBe(true)
    expect(mesh.journal.since().map((r) => r.kind)).toEqual(expect.arrayContaining(['event', 'attempt', 'outcome', 'settled']))
    const report = await mesh.close()
    expect(report.unfinished).toEqual([])
    await expect(fetch(`${mesh.url}/_kne/v1/health`)).rejects.toThrow()
  })

  it('reports manifest problems with file, resource and field instead of throwing', () => {
    const loaded = loadManifests([join(repoRoot, 'test', 'fixtures', 'broken'), join(repoRoot, 'test', 'fixtures', 'missing')])
    expect(loaded.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({resource: 'Trigger default/bad-filter', field: 'spec.subscriber.uri'}),
        expect.objectContaining({file: expect.stringContaining('missing'), message: 'no such file or folder'}),
      ]),
    )
  })

  it("reads a project folder's manifests without its kne test files (*.kne.yaml)", () => {
    const project = join(repoRoot, 'examples', 'orders')
    const loaded = loadManifests([project])
    expect(loaded.errors).toEqual([])
    expect(loaded.files.some((file) => file.endsWith('.kne.yaml'))).toBe(false)
    expect(loaded.resources.map((r) => r.kind)).toContain('Broker')
  })
})
