export * from './http.js'
export * from './json.js'
export * from './validate.js'
