// The Knative manifests of a benchmark topology, as a user would write them: broker `default/default`
// and N triggers, `match` of which pick the driver's events, each delivering to its own path on the sink.

/** The manifests of a benchmark topology, as a user would write them. */
export function benchManifests({sinkUrl, triggers = 1, match = 1, filter = 'exact', async = false, delivery}) {
  const docs = [
    `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
  namespace: default
  annotations:
    messaging.knative.dev/async-handler: "${async ? 'true' : 'false'}"`,
  ]
  for (let i = 0; i < triggers; i++) {
    const matching = i < match
    const type = matching ? 'dev.kne.bench.match' : `dev.kne.bench.other${i}`
    const filterYaml =
      filter === 'cesql'
        ? // not indexable: every trigger's expression is evaluated for every event
          `  filters:\n    - cesql: "type LIKE 'dev.kne.bench.%' AND source = '${matching ? '/bench/driver' : `/bench/other${i}`}'"`
        : `  filter:\n    attributes:\n      type: ${type}`
    docs.push(`apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: t${i}
  namespace: default
spec:
  broker: default
${filterYaml}
  subscriber:
    uri: ${sinkUrl}/t/${i}${delivery ? `\n  delivery: ${JSON.stringify(delivery)}` : ''}`)
  }
  return docs.join('\n---\n')
}
