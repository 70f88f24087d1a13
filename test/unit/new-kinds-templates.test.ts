// The EventTransform and JobSink templates: what kne writes from them loads without a problem, and an
// unset value leaves its key out.
import {describe, expect, it} from 'vitest'
import {renderManifest, toYaml} from '../../src/scaffold/templates.js'
import {EVENT_TRANSFORM_SPEC_FIELDS, readEventTransform} from '../../src/kinds/event-transform/read.js'
import {JOB_SINK_SPEC_FIELDS, planJob, readJobSink} from '../../src/kinds/job-sink/read.js'
import {readWith} from '../helpers/kind-reader.js'

describe('templates', () => {
  it('eventtransform: an expression alone, and with a sink and a reply transform', () => {
    const plain = renderManifest('eventtransform', {
      name: 'to-upper',
      namespace: 'default',
      sink: undefined,
      expression: '$',
      replyExpression: undefined,
      replyDiscard: undefined,
    })
    expect(plain.spec).toEqual({jsonata: {expression: '$'}})
    const full = renderManifest('eventtransform', {
      name: 't',
      namespace: 'default',
      sink: {uri: 'http://127.0.0.1:3000'},
      expression: '$',
      replyExpression: '{"specversion": "1.0", "id": id, "source": source, "type": "r"}',
      replyDiscard: undefined,
    })
    const {errors, spec} = readWith(readEventTransform, EVENT_TRANSFORM_SPEC_FIELDS, toYaml(full))
    expect(errors).toEqual([])
    expect(spec.reply?.jsonata?.expression).toContain('"type": "r"')
  })

  it('jobsink: a command and args with the event path, runnable by kne', () => {
    const manifest = renderManifest('jobsink', {
      name: 'report',
      namespace: 'default',
      image: 'docker.io/library/bash:5',
      command: ['cat'],
      args: ['/etc/jobsink-event/event'],
      env: undefined,
    })
    const {errors, spec} = readWith(readJobSink, JOB_SINK_SPEC_FIELDS, toYaml(manifest))
    expect(errors).toEqual([])
    expect(planJob('default', 'report', spec)).toMatchObject({ok: true, plan: {command: ['cat', '/etc/jobsink-event/event']}})
  })
})
