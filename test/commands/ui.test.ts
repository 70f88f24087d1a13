// kne ui: finds the running mesh as kne status does and gives its console's URL (no browser is opened here:
// --no-open and --json only print it).
import {describe, expect, it} from 'vitest'
import {openerFor} from '../../src/client/open-url.js'
import {BROKER} from '../helpers/flows.js'
import {freshDataDir, jsonOf, runKne} from '../helpers/command.js'
import {useMesh} from '../helpers/mesh.js'

const kit = useMesh()

describe('kne ui', () => {
  it("prints the running mesh's console URL with --no-open, and {url, opened} with --json", async () => {
    const mesh = await kit.mesh(BROKER)
    const env = {KNE_URL: mesh.url, KNE_DATA_DIR: freshDataDir()}
    const printed = await runKne(['ui', '--no-open'], {env})
    expect(printed.code).toBe(0)
    expect(printed.stdout).toBe(`${mesh.url}/_kne/ui/\n`)
    const json = await runKne(['ui', '--json'], {env})
    expect(jsonOf(json)).toEqual({url: `${mesh.url}/_kne/ui/`, opened: false})
    expect((await fetch(`${mesh.url}/_kne/ui/`)).status).toBe(200)
  })

  it('exits 4 when no mesh runs', async () => {
    const result = await runKne(['ui', '--no-open'], {env: {KNE_URL: undefined, KNE_DATA_DIR: freshDataDir()}})
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(/no kne mesh is running/)
  })

  it("opens the URL with each platform's opener", () => {
    expect(openerFor('linux', 'http://127.0.0.1:1/_kne/ui/')).toEqual({command: 'xdg-open', args: ['http://127.0.0.1:1/_kne/ui/']})
    expect(openerFor('darwin', 'http://127.0.0.1:1/_kne/ui/')).toEqual({command: 'open', args: ['http://127.0.0.1:1/_kne/ui/']})
    expect(openerFor('win32', 'http://127.0.0.1:1/_kne/ui/?a=1&b=2')).toEqual({
      command: 'rundll32',
      args: ['url.dll,FileProtocolHandler', 'http://127.0.0.1:1/_kne/ui/?a=1&b=2'],
    })
  })
})
